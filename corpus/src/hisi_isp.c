/* Stand-in for HiSilicon's ISP library (libisp.so): HI_MPI_ISP_* entry points. */
typedef int HI_S32;

static const char isp_dev[] = "/dev/isp_dev";

HI_S32 HI_MPI_ISP_MemInit(int pipe) { return pipe < 0; }
HI_S32 HI_MPI_ISP_Init(int pipe) { return pipe < 0 || isp_dev[0] != '/'; }
HI_S32 HI_MPI_ISP_Run(int pipe) { return pipe < 0; }
HI_S32 HI_MPI_ISP_Exit(int pipe) { return pipe < 0; }
HI_S32 HI_MPI_ISP_SetPubAttr(int pipe, const void *attr) { return pipe < 0 || attr == 0; }
HI_S32 HI_MPI_ISP_SetExposureAttr(int pipe, const void *attr) { return pipe < 0 || attr == 0; }
