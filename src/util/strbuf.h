/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef UTIL_STRBUF_H
#define UTIL_STRBUF_H

/* The string buffer is part of the public API (fmt's output): include/utrace/strbuf.h. */
#include "utrace/strbuf.h"

#endif
