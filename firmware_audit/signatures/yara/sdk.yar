/*
 * SDK families in stripped or statically linked code, found by their strings.
 *
 * Meta of every rule: id, description, vendor, source (the public source of the strings), example (text
 * the rule must match; "\n" separates the parts) and family (the SDK family id of ../sdk/*.toml whose
 * finding the rule supports). `corpus` names a corpus file the rule must also match
 * (image:virtual path), checked by the tests.
 */

rule throughtek_kalay_strings
{
    meta:
        id = "sdk/throughtek-kalay/strings"
        description = "ThroughTek Kalay (TUTK) P2P code without symbols: its packet scrambler key, or both IOTC and AV error names"
        vendor = "ThroughTek"
        family = "throughtek-kalay"
        source = "https://www.thirtythreeforty.net/posts/2020/05/hacking-reolink-cameras-for-fun-and-profit/#the-charlie-scrambler (key); mrlt8/docker-wyze-bridge:app/wyzecam/tutk/tutk.py (IOTC_ER_*, AV_ER_*)"
        example = "Charlie is the designer of P2P!!"
        corpus = "05-ingenic-tutk.bin:/0x00020000.jffs2!/bin/iotc_daemon"

    strings:
        $key = "Charlie is the designer of P2P!!"
        $iotc_error = /IOTC_ER_[A-Z_]{4,40}/
        $av_error = /AV_ER_[A-Z_]{4,40}/

    condition:
        $key or ($iotc_error and $av_error)
}

rule cs2_pppp_constants
{
    meta:
        id = "sdk/cs2-pppp/constants"
        description = "CS2 Network PPPP code without symbols: the 54-byte table of PPPP_DecodeString (the code that reveals init strings), or the PPPP server key"
        vendor = "CS2 Network"
        family = "cs2-pppp"
        source = "Ankermgmt/ankermake-m5-protocol:libflagship/megajank.py (the table and PPPP_SIMPLE_SEED); magicus/pppp-dissector:PPPP.md (key SSD@cs2-network.); https://palant.info/2025/11/05/an-overview-of-the-pppp-protocol-for-iot-cameras/"
        example = "SSD@cs2-network."
        corpus = "08-cs2-pppp.bin:/ramdisk-1!/payload!/lib/libPPPP_API.so"
        example_hex = "4959433DB5BF6DA347534F6165E371E9677F02030BADB3892B2F35C16B8B959711E5A70DEFF1050783FB9D3BC5C713171D1F2529D3DF"

    strings:
        $decode_table = { 49 59 43 3D B5 BF 6D A3 47 53 4F 61 65 E3 71 E9 67 7F 02 03 0B AD B3 89 2B 2F 35 C1 6B 8B 95 97 11 E5 A7 0D EF F1 05 07 83 FB 9D 3B C5 C7 13 17 1D 1F 25 29 D3 DF }
        $server_key = "SSD@cs2-network."

    condition:
        any of them
}

rule xiongmai_sofia_board_paths
{
    meta:
        id = "sdk/xiongmai-sofia/board-paths"
        description = "Xiongmai device software: two or more of the board files OpenIPC's ipctool uses to recognise an XM board"
        vendor = "Xiongmai"
        family = "xiongmai-sofia"
        source = "OpenIPC/ipctool:src/boards/xm.c"
        example = "/mnt/mtd/Config/Account1\n/proc/xm/xminfo"
        corpus = "01-xm-hi3516ev300-general.bin:/user-x.cramfs.img!/payload!/bin/Sofia"

    strings:
        $account = "/mnt/mtd/Config/Account1"
        $xminfo = "/proc/xm/xminfo"
        $product = "/mnt/custom/ProductDefinition"
        $serial = "/mnt/mtd/Config/SerialNumber"
        $sensor = "/mnt/mtd/Config/SensorType.bat"

    condition:
        2 of them
}

rule dahua_p2p_easy4ip
{
    meta:
        id = "sdk/dahua-p2p/easy4ip"
        description = "Dahua P2P client: the Easy4IP main server with two or more of its PTCP request paths"
        vendor = "Dahua"
        family = "dahua-p2p"
        source = "khoanguyen-3fc/dh-p2p:src/dh.rs (MAIN_SERVER and request paths); khoanguyen-3fc/dh-p2p:README.md"
        example = "www.easy4ipcloud.com:8800\n/probe/p2psrv\n/online/relay"
        corpus = "03-dahua-dhzip.bin:/user-x.squashfs.img!/payload!/bin/sonia"

    strings:
        $server = "easy4ipcloud.com"
        $probe_server = "/probe/p2psrv"
        $online_server = "/online/p2psrv"
        $online_relay = "/online/relay"
        $probe_device = "/probe/device/"
        $relay_agent = "/relay/agent"

    condition:
        $server and 2 of ($probe_server, $online_server, $online_relay, $probe_device, $relay_agent)
}
