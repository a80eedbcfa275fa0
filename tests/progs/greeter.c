/* greeter N: greet() N times with "hello" / "world" alternating, then once with NULL, and
 * the marker app:greeted (an SDT note written by hand, as sys/sdt.h would) after each call.
 * Prints the sum of the lengths and exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/sdt_note.h"

#define MARK2(name, a1, a2)                                                                 \
	__asm__ volatile("990: nop\n" SDT_NOTE("app", #name, "990b", "_.stapsdt.base", "0", \
					       "-4@%0 8@%1")::"nor"(a1),                    \
			 "nor"(a2))

long greet(const char *who, int n);

__attribute__((noinline)) long greet(const char *who, int n)
{
	__asm__ volatile("" ::: "memory");
	return who ? (long)strlen(who) * n : 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2, i;
	long sum = 0;

	for (i = 1; i <= n; i++) {
		long r = greet(i % 2 ? "hello" : "world", i);

		sum += r;
		MARK2(greeted, i, r);
	}
	sum += greet(NULL, 0);
	printf("%ld\n", sum);
	return 0;
}
