/* inlines N: scale() inlined into main's loop (N copies run) and once out of line through a
 * function pointer, at -O2 with DWARF: the tracee of the ustap "inline" tests.  The empty asm
 * keeps the arguments in registers where the inlined copy starts, so they have locations. */
#include <stdio.h>
#include <stdlib.h>

static inline __attribute__((always_inline)) int scale(int v, int by)
{
	__asm__ volatile("" : : "r"(v), "r"(by));
	return v * by + 1;
}

int (*volatile out_of_line)(int, int) = scale;

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, sum = 0;

	for (int i = 0; i < n; i++)
		sum += scale(i, argc + 2);
	sum += out_of_line(n, 2);
	printf("%d\n", sum);
	return 0;
}
