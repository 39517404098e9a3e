from firmware_audit.analyze.endpoints.geo import (
    CCTLD,
    CLOUD_OPERATOR,
    CLOUD_REGION,
    GEOIP,
    VENDOR_DATA,
    locate,
)
from firmware_audit.signatures.endpoints import endpoint_data

DATA = endpoint_data()


def test_vendor_data_comes_first_for_names() -> None:
    place = locate("s2.eye4.cn", is_ip=False, vendor_country="CN", data=DATA)
    assert (place.country, place.basis, place.operator) == ("CN", VENDOR_DATA, None)


def test_country_code_tlds() -> None:
    assert locate("push.umeye.cn", is_ip=False, vendor_country=None, data=DATA).country == "CN"
    uk = locate("cam.vendor.co.uk", is_ip=False, vendor_country=None, data=DATA)
    assert (uk.country, uk.basis) == ("GB", CCTLD)  # .uk is GB in ISO 3166-1


def test_generic_tlds_give_no_country() -> None:
    for host in ("api.vendor.io", "relay.vendor.tv", "cloud.vendor.com", "eu.vendor.eu"):
        assert locate(host, is_ip=False, vendor_country=None, data=DATA).country is None


def test_addresses_are_located_by_geoip_with_their_operator() -> None:
    place = locate("47.91.90.222", is_ip=True, vendor_country=None, data=DATA)
    assert (place.country, place.basis) == ("DE", GEOIP)  # Alibaba's Frankfurt region
    assert place.operator is not None
    assert place.operator.startswith("Alibaba Cloud (")
    assert place.operator_country == "CN"


def test_vendor_country_of_an_address_keeps_geoip_as_evidence() -> None:
    place = locate("50.19.254.134", is_ip=True, vendor_country="TW", data=DATA)
    assert (place.country, place.basis, place.operator_country) == ("TW", VENDOR_DATA, "US")
    evidence = place.evidence("/bin/iotc_daemon", 740)
    assert evidence is not None
    assert evidence.kind == "geoip"
    assert "US" in evidence.value
    assert "AMAZON" in evidence.value


def test_an_operator_the_table_does_not_know_is_named_as_the_asn_says() -> None:
    place = locate("114.114.114.114", is_ip=True, vendor_country=None, data=DATA)
    assert (place.country, place.operator, place.operator_country) == ("CN", "ZEN-ECN", None)


def test_a_cloud_host_naming_its_region_is_in_that_region() -> None:
    place = locate(
        "ec2-46-137-188-54.eu-west-1.compute.amazonaws.com", is_ip=False, vendor_country=None, data=DATA
    )
    assert (place.country, place.basis) == ("IE", CLOUD_REGION)
    assert (place.operator, place.operator_country) == ("Amazon Web Services", "US")
    evidence = place.evidence("/bin/app", 0)
    assert evidence is not None
    assert evidence.kind == CLOUD_REGION
    assert "eu-west-1" in evidence.value


def test_a_region_beats_the_vendor_row_of_the_domain() -> None:
    # aliyuncs.com has a vendor row (Alibaba Cloud, CN); a US region still puts the host in the US
    place = locate("oss-us-west-1.aliyuncs.com", is_ip=False, vendor_country="CN", data=DATA)
    assert (place.country, place.operator_country) == ("US", "CN")


def test_a_cloud_host_without_a_region_has_the_operator_country() -> None:
    place = locate("d111111abcdef8.cloudfront.net", is_ip=False, vendor_country=None, data=DATA)
    assert (place.country, place.basis, place.operator) == ("US", CLOUD_OPERATOR, "Amazon CloudFront")
