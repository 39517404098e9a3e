"""The investigation notebooks: committed without outputs, and each runs cleanly on the corpus with a chart.

They run in a kernel of this very interpreter (ipykernel's built-in `python3` spec, never one registered
on the machine), with IPython's and Jupyter's files in a temporary folder.
"""

import os
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ("01-investigate-an-image", "02-compare-two-firmwares", "03-review-a-batch")
# What each notebook must show, beyond running: text that proves it reached its point.
EXPECTED = {
    "01-investigate-an-image": ("Hi3516EV300", "pub-cfg.secu100.net", "absxcfbgXtb3o", "squashfs"),
    "02-compare-two-firmwares": ("Muster Sicherheit GmbH", "secu100.net", "Xiongmai XM530", "only B"),
    "03-review-a-batch": ("muster-mc3100", "reject", "accept", "review"),
}


def test_the_three_notebooks_are_committed():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], f"{name}: a cell has outputs; clear them before committing"
        assert cell.execution_count is None, f"{name}: a cell has an execution count"


def _kernel(tmp_path):
    # No kernel directories: the spec is ipykernel's own, launched with sys.executable (this venv).
    specs = KernelSpecManager(kernel_dirs=[])
    # Unix sockets in the temporary folder rather than TCP ports on the machine.
    return KernelManager(
        kernel_name="python3",
        kernel_spec_manager=specs,
        transport="ipc",
        ip=str(tmp_path / "kernel"),
        connection_file=str(tmp_path / "kernel.json"),
    )


def _outputs(notebook):
    for cell in notebook.cells:
        yield from cell.get("outputs", [])


def _text(output):
    if output.output_type == "stream":
        return output.text
    data = output.get("data", {})
    return data.get("text/html", "") + data.get("text/plain", "")


@pytest.mark.parametrize("name", NAMES)
def test_runs_cleanly_with_a_chart(name, tmp_path):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    env = {**os.environ, "IPYTHONDIR": str(tmp_path / "ipython"), "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    env.pop("MPLBACKEND", None)  # the kernel's inline backend, whatever the test run uses
    client = NotebookClient(
        notebook, km=_kernel(tmp_path), timeout=120, resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute(env=env)  # raises CellExecutionError, with the cell and its traceback, on any error
    outputs = list(_outputs(notebook))
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], "warnings printed"
    charts = [o for o in outputs if "image/png" in o.get("data", {})]
    assert charts, f"{name} shows no chart"
    text = "".join(_text(o) for o in outputs)
    for expected in EXPECTED[name]:
        assert expected in text, expected
