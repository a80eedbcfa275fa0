/* points N: area() of N points with known coordinates, then exits 0.  The DWARF tracee of
 * the ustap "dwarf" tests: a struct pointer parameter, an int parameter, a local on a line of
 * its own, a global, a char array member, a file-static struct and a global pointer to it. */
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

static struct point corner = {1, 2, "corner", NULL};
struct point *origin = &corner;

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
