"""One module per corpus image.

Each has `OUTPUTS` (the file names it writes) and `build(ctx)`, which returns those files' bytes by name.
"""

from recipes import (
    r01_xm_general,
    r02_hik_digicap,
    r03_dahua_dhzip,
    r04_spi_nor,
    r05_ingenic_tutk,
    r06_sigmastar_tuya,
    r07_anyka_ilnk,
    r08_cs2_pppp,
    r09_reolink,
    r10_clean_domestic,
    r11_encrypted,
    r12_rebranded,
)

RECIPES = (
    r01_xm_general,
    r02_hik_digicap,
    r03_dahua_dhzip,
    r04_spi_nor,
    r05_ingenic_tutk,
    r06_sigmastar_tuya,
    r07_anyka_ilnk,
    r08_cs2_pppp,
    r09_reolink,
    r10_clean_domestic,
    r11_encrypted,
    r12_rebranded,
)
