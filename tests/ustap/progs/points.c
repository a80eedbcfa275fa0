/* points N: area() of N points with known coordinates, then exits 0.  The DWARF tracee of
 * the ustap "dwarf" tests: a struct pointer parameter, an int parameter, a local computed on a
 * line of its own, a global, and a char array member. */
#include <stdio.h>
#include <stdlib.h>

struct point {
	int x;
	int y;
	char name[8];
	struct point *next;
};

long total = 7;

__attribute__((noinline)) int area(struct point *p, int scale)
{
	int local = p->x * p->y;

	total += local;
	return local * scale;
}

int main(int argc, char **argv)
{
	struct point second = {5, 6, "second", NULL};
	struct point first = {3, 4, "first", &second};
	int n = argc > 1 ? atoi(argv[1]) : 1, sum = 0;

	for (int i = 0; i < n; i++)
		sum += area(i % 2 ? &second : &first, i + 2);
	printf("%d %ld\n", sum, total);
	return 0;
}
