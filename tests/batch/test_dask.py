"""The same batch on a Dask cluster, through `Client.get_executor()` (a LocalCluster on loopback)."""

import pytest
from batch_helpers import CLEAN, ENCRYPTED, EXAMPLE_POLICY, journal_rows, submission

from firmware_audit.batch import BatchError, BatchOptions, run_batch
from firmware_audit.policy import Policy

distributed = pytest.importorskip("distributed", reason="Dask is an extra: pip install -e '.[dask]'")


def test_batch_runs_on_a_dask_cluster(tmp_path):
    subs, out = tmp_path / "subs", tmp_path / "out"
    submission(subs, "clean", {"fw.bin": CLEAN})
    submission(subs, "encrypted", {"fw.bin": ENCRYPTED})
    # Threads in this process, but a real TCP scheduler: the batch connects to it by address.
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        options = BatchOptions(out=out, policy=Policy.load(EXAMPLE_POLICY), executor=f"dask://{address}")
        result = run_batch(subs, options, progress=False)
    rows = {r["submission"]: r for r in journal_rows(out)}
    assert {name: r["outcome"] for name, r in rows.items()} == {"clean": "accept", "encrypted": "review"}
    assert all(r["status"] == "audited" for r in rows.values())
    assert result.audited == 2
    assert (out / rows["clean"]["outputs"]["html"]).is_file()


def test_an_unknown_executor_is_refused(tmp_path):
    submission(tmp_path / "subs", "a", {"fw.bin": b"x"})
    with pytest.raises(BatchError, match="unknown executor"):
        run_batch(
            tmp_path / "subs", BatchOptions(out=tmp_path / "out", executor="spark://x:1"), progress=False
        )
