/* guru N [MS]: twice(1) + ... + twice(N), MS milliseconds apart, then the global struct of
 * every integer width and the global array that the ustap "guru" tests write; built -O2, so
 * twice's parameter lives in a register (rdi) where its probe fires, and its local tripled is
 * optimized out. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

enum color {
	RED,
	GREEN,
	BLUE
};

struct widths {
	signed char c;
	unsigned char uc;
	short s;
	unsigned short us;
	int i;
	unsigned int u;
	long l;
	enum color e;
};

struct widths w = {1, 2, 3, 4, 5, 6, 7, RED};
int values[4] = {10, 20, 30, 40};

__attribute__((noinline)) long twice(long v)
{
	long tripled = v * 3;

	(void)tripled;
	return v * 2;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, ms = argc > 2 ? atoi(argv[2]) : 0;
	long sum = 0;

	for (int i = 0; i < n; i++) {
		sum += twice(i + 1);
		if (ms)
			usleep(ms * 1000);
	}
	printf("%ld\n", sum);
	printf("%d %d %d %d %d %u %ld %d\n", w.c, w.uc, w.s, w.us, w.i, w.u, w.l, (int)w.e);
	printf("%d %d %d %d\n", values[0], values[1], values[2], values[3]);
	return 0;
}
