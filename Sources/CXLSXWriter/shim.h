#ifndef COOPSIM_CXLSXWRITER_SHIM_H
#define COOPSIM_CXLSXWRITER_SHIM_H
/* Debian's libxlsxwriter (libxlsxwriter-dev, 1.1.x): the workbook writer behind `--xlsx`. */
#include <xlsxwriter.h>
#endif
