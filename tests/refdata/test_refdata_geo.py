from firmware_audit.refdata import geo, used


def test_lookup_country_operator_network() -> None:
    info = geo.lookup("8.8.8.8")
    assert (info.country, info.operator) == ("US", "GOOGLE")
    assert info.network is not None


def test_ipv6_is_covered() -> None:
    assert geo.lookup("2400:3200::1").country == "CN"


def test_private_addresses_have_no_country() -> None:
    assert geo.lookup("192.168.1.1").country is None


def test_refdata_date_is_read_from_the_file() -> None:
    ref = geo.refdata()
    assert "GeoLite2" in ref.name
    assert "geoip2fast" in ref.name
    assert ref.date == "2024-06-18"  # the data set the pinned geoip2fast release ships


def test_every_report_names_every_data_set() -> None:
    assert [r.name.split(" ")[0] for r in used()] == ["Public", "MaxMind", "IEEE"]
