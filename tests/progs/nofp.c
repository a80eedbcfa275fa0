/* nofp N: a call chain a -> b -> c built -O2 -fomit-frame-pointer (with .eh_frame), for
 * backtraces that only DWARF CFI can walk: b keeps a junk value in %rbp across its call to c,
 * so a frame-pointer walk from c goes nowhere.  main calls a(i) for i < N, then c(N) directly
 * (a second distinct stack of c); prints the sum and exits 0. */
#include <stdio.h>
#include <stdlib.h>

#if defined(__clang__)
#define NOIPA __attribute__((noinline))
#else
#define NOIPA __attribute__((noipa))
#endif

long a(long n);
long b(long n);
long c(long n);

NOIPA long c(long n)
{
	__asm__ volatile("" ::: "memory");
	return n * 3;
}

NOIPA long b(long n)
{
	register long junk __asm__("rbp") = n * 0x1000 + 7;
	volatile char buf[40];
	long r;

	__asm__ volatile("" : "+r"(junk));
	buf[0] = (char)n;
	r = c(n + buf[0]);
	__asm__ volatile("" : "+r"(junk));
	return r + (junk & 1);
}

NOIPA long a(long n)
{
	return b(n) + 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1, sum = 0;

	for (long i = 0; i < n; i++)
		sum += a(i);
	sum += c(n);
	printf("%ld\n", sum);
	return 0;
}
