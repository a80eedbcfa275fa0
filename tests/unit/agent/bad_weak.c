/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Linked into a copy of the agent that mkblob.py must refuse: a weak reference that nothing
 * defines, which the link accepts and leaves undefined. */
extern int agent_bad_weak __attribute__((weak));
int agent_bad_use(void);

int agent_bad_use(void)
{
	return &agent_bad_weak != 0;
}
