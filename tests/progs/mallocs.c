/* mallocs: malloc 16, 32, 32 and 1024 bytes (each freed), no stdio, for a histogram of malloc
 * sizes.  mallocs chdir N: chdir("/nonexistent") N times (each fails with ENOENT). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const size_t sizes[] = {16, 32, 32, 1024};
	int i, n;

	if (argc > 2 && !strcmp(argv[1], "chdir")) {
		n = atoi(argv[2]);
		for (i = 0; i < n; i++)
			if (chdir("/nonexistent") == 0)
				return 1;
		return 0;
	}
	for (i = 0; i < 4; i++) {
		void *p = malloc(sizes[i]);

		if (!p)
			return 1;
		memset(p, 0, sizes[i]);
		free(p);
	}
	return 0;
}
