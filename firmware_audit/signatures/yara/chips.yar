/*
 * Chip names: clues to the SoC, weaker than SDK libraries and kernel module names.
 *
 * Meta of every rule: id, description, vendor (the chip maker), source, example (text the rule must match),
 * clue = "chip-string", vendor_country, and model_prefix (how the maker spells the start of its model
 * names; the rest is upper case, unless model_case = "lower": the maker writes the whole name in lower case)
 * and model_pattern. The YARA string only locates a candidate; the
 * analyzer takes the whole token there (the run of letters and digits, which must not continue a longer
 * one) and keeps it only when it matches model_pattern entirely, ignoring case.
 */

rule chip_hisilicon
{
    meta:
        id = "chip/hisilicon"
        description = "HiSilicon SoC model name (Hi3516EV300, hi3516cv500, ...)"
        vendor = "HiSilicon"
        vendor_country = "CN"
        clue = "chip-string"
        model_prefix = "Hi"
        model_pattern = "hi3[5-9][0-9]{2}[a-z]{0,2}v[0-9]{3}"
        source = "OpenIPC/ipctool:src/hal/hisi/hal_hisi.c (3516EV300, 3516CV500, ...); OpenIPC/ipctool:src/chipid.c (hi3516ev200, hi3516cv500)"
        example = "IPC_HI3516EV300_50H20AI_S38"
        corpus = "01-xm-hi3516ev300-general.bin:/user-x.cramfs.img!/payload!/bin/Sofia"

    strings:
        $model = /hi3[5-9][0-9]{2}/ nocase

    condition:
        $model
}

rule chip_goke
{
    meta:
        id = "chip/goke"
        description = "Goke SoC model name (GK7205V200, and the first generation's GK7101, GK7102S, ...)"
        vendor = "Goke"
        vendor_country = "CN"
        clue = "chip-string"
        model_prefix = "GK"
        model_pattern = "gk7[0-9]{3}(v[0-9]{3}|[a-z])?"
        source = "OpenIPC/firmware:general/package/goke-osdrv-gk7205v200/; OpenIPC/ipctool:src/chipid.c (gk7205v200); OpenIPC/firmware@5990bb14c3eb5ff0133df8878d5c5e988244030f:br-ext-chip-goke/configs/ (gk7102_lite, gk7102s_lite beside gk7205v200_lite)"
        example = "gk7205v200 GK7102S"

    strings:
        $model = /gk7[0-9]{3}/ nocase

    condition:
        $model
}

rule chip_sigmastar
{
    meta:
        id = "chip/sigmastar"
        description = "SigmaStar SoC model name (SSC335, SSC338Q, ...)"
        vendor = "SigmaStar"
        vendor_country = "CN"
        clue = "chip-string"
        model_prefix = "SSC"
        model_pattern = "ssc3[0-9]{2}[a-z]?"
        source = "OpenIPC/ipctool:src/hal/sstar.c (SSC333X/SSC335X/SSC337X, ...)"
        example = "SSC335"
        corpus = "06-sigmastar-tuya-ubi.bin:/rootfs!/etc/hostname"

    strings:
        $model = /ssc3[0-9]{2}/ nocase

    condition:
        $model
}

rule chip_anyka
{
    meta:
        id = "chip/anyka"
        description = "Anyka SoC model name (AK3918EV200, AK3918EV300, ...)"
        vendor = "Anyka"
        vendor_country = "CN"
        clue = "chip-string"
        model_prefix = "AK"
        model_pattern = "ak3[79][0-9]{2}([a-z]{0,2}v[0-9]{3})?"
        source = "OpenIPC/ipctool:src/hal/anyka.c (machine names such as CLOUD39EV3_AK3918EV300_MNBD)"
        example = "Machine: AK3918EV200"
        corpus = "07-anyka-ilnk.bin:/uImage!/payload"

    strings:
        $model = /ak3[79][0-9]{2}/ nocase

    condition:
        $model
}

rule chip_novatek
{
    meta:
        id = "chip/novatek"
        description = "Novatek SoC model name (NT98566, NT98528, ...)"
        vendor = "Novatek"
        vendor_country = "TW"
        clue = "chip-string"
        model_prefix = "NT"
        model_pattern = "nt98[0-9]{3}"
        source = "OpenIPC/ipctool:src/hal/novatek.c (NT98525, NT98528, NT98562, NT98566)"
        example = "HDAL_VERSION: 01.00.2103250 (NT98566)"
        corpus = "09-reolink.pak:/app!/lib/libhdal.so"

    strings:
        $model = /nt98[0-9]{3}/ nocase

    condition:
        $model
}

rule chip_xiongmai
{
    meta:
        id = "chip/xiongmai"
        description = "Xiongmai SoC model name (XM510, XM530, XM550)"
        vendor = "Xiongmai"
        vendor_country = "CN"
        clue = "chip-string"
        model_prefix = "XM"
        model_pattern = "xm5[0-9]0"
        source = "OpenIPC/ipctool:src/hal/xm.c (XM530, XM550); OpenIPC/ipctool:src/chipid.c (xm510)"
        example = "libisp_XM530.so"
        corpus = "12-rebranded.bin:/user-x.cramfs.img!/payload!/lib/libisp_XM530.so"

    strings:
        $model = /xm5[0-9]0/ nocase

    condition:
        $model
}

rule chip_fullhan
{
    meta:
        id = "chip/fullhan"
        description = "Fullhan SoC model name (FH8852V100, ...)"
        vendor = "Fullhan"
        vendor_country = "CN"
        clue = "chip-string"
        model_prefix = "FH"
        model_pattern = "fh88[0-9]{2}v[0-9]{3}"
        source = "OpenIPC/firmware:general/package/fullhan-osdrv-fh8852v100/"
        example = "fh8852v100"

    strings:
        $model = /fh88[0-9]{2}v/ nocase

    condition:
        $model
}

rule chip_grainmedia
{
    meta:
        id = "chip/grainmedia"
        description = "Grain Media SoC model name (GM8136, ...)"
        vendor = "Grain Media"
        vendor_country = "TW"
        clue = "chip-string"
        model_prefix = "GM"
        model_pattern = "gm81[0-9]{2}"
        source = "OpenIPC/firmware:general/package/grainmedia-osdrv-gm8136/"
        example = "gm8136"

    strings:
        $model = /gm81[0-9]{2}/ nocase

    condition:
        $model
}

rule chip_allwinner
{
    meta:
        id = "chip/allwinner"
        description = "Allwinner SoC platform name of its own SDKs (sun8iw19p1: V831/V833, sun8iw8p1: S3, ...)"
        vendor = "Allwinner"
        vendor_country = "CN"
        clue = "chip-string"
        model_prefix = "sun"
        model_case = "lower"
        model_pattern = "sun[0-9]{1,2}iw[0-9]{1,2}(p[0-9])?"
        source = "OpenIPC/ipctool@f43a8f6e994c42153df1501aad977703fd148ab4:src/hal/allwinner.c (the device tree's compatible allwinner,sun..., sun8iw19p1 read as V83x, sun8iw8p1 as S3)"
        example = "allwinner,sun8iw19p1"

    strings:
        $model = /sun[0-9]{1,2}iw[0-9]/ nocase

    condition:
        $model
}

rule chip_rockchip
{
    meta:
        id = "chip/rockchip"
        description = "Rockchip camera SoC model name (RV1103, RV1106, RV1109, RV1126)"
        vendor = "Rockchip"
        vendor_country = "CN"
        clue = "chip-string"
        model_prefix = "RV"
        model_pattern = "rv11[0-9]{2}"
        source = "OpenIPC/ipctool@1a7f82c53b3c017d4ccbb80d6137a75250dd9408:src/hal/rockchip.c (the device tree's compatible rockchip,rv...)"
        example = "rockchip,rv1126"

    strings:
        $model = /rv11[0-9]{2}/ nocase

    condition:
        $model
}
