/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef AGENT_BLOB_H
#define AGENT_BLOB_H

#include <stddef.h>

/*
 * The agent as the tracer carries it: the bytes mkblob.py extracted from the linked agent,
 * starting with its struct agent_header (agent_abi.h).  Generated at build time.
 */
extern const unsigned char agent_blob[];
extern const size_t agent_blob_size;

#endif
