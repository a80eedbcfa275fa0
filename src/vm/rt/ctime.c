/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ctime: stap's ctime(epochsecs), "Thu Jan  1 00:00:00 1970", computed in UTC without libc
 * (gmtime is neither freestanding nor reentrant-safe in the agent).  The civil date comes
 * from days since the epoch with Howard Hinnant's days_from_civil inverse.
 */
#include "vm/rt/strings.h"

static void two(char *p, int v, char pad)
{
	p[0] = v >= 10 ? (char)('0' + v / 10) : pad;
	p[1] = (char)('0' + v % 10);
}

void rt_ctime(int64_t secs, char *buf)
{
	static const char days[] = "ThuFriSatSunMonTueWed";
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int64_t d = secs / 86400, rem = secs % 86400;
	int64_t z, era, doe, yoe, y, doy, mp, m, day;
	int wd;

	if (rem < 0) {
		rem += 86400;
		d--;
	}
	wd = (int)(((d % 7) + 7) % 7);
	z = d + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	day = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	for (int i = 0; i < 3; i++) {
		buf[i] = days[wd * 3 + i];
		buf[4 + i] = months[(m - 1) * 3 + i];
	}
	buf[3] = buf[7] = buf[10] = buf[19] = ' ';
	two(buf + 8, (int)day, ' ');
	two(buf + 11, (int)(rem / 3600), '0');
	buf[13] = ':';
	two(buf + 14, (int)(rem / 60 % 60), '0');
	buf[16] = ':';
	two(buf + 17, (int)(rem % 60), '0');
	if (y < 0 || y > 9999) {
		const char *bad = "<invalid time>";
		int i = 0;

		for (; bad[i]; i++)
			buf[i] = bad[i];
		buf[i] = '\0';
		return;
	}
	buf[20] = (char)('0' + y / 1000);
	buf[21] = (char)('0' + y / 100 % 10);
	buf[22] = (char)('0' + y / 10 % 10);
	buf[23] = (char)('0' + y % 10);
	buf[24] = '\0';
}
