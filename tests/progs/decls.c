/* decls: one call of decls() whose parameters and locals have the C types stap -L spells in
 * its own way (group list): const before the star, typedefs kept, arrays without a bound,
 * anonymous structs, unions, enums and function pointers. */
#include <stdio.h>

typedef unsigned long counter_t;

struct pair {
	int a;
	int b;
};

union num {
	int i;
	float f;
};

enum color {
	RED,
	GREEN
};

__attribute__((noinline)) int decls(const char *name, char *const *argv, volatile int *flag,
				    counter_t count, union num u, enum color c,
				    int (*log)(const char *, ...), void (*done)(void),
				    const struct pair *pair)
{
	int grid[2][3] = {{1, 2, 3}, {4, 5, 6}};
	const int limit = 3;
	struct {
		int x;
	} anon = {limit};

	if (done)
		done();
	return log(name, argv[0]) + *flag + (int)count + u.i + c + grid[1][2] + anon.x + pair->b;
}

int main(int argc, char **argv)
{
	volatile int flag = argc;
	struct pair pair = {1, 2};
	union num u = {.i = 4};

	return decls("%s\n", argv, &flag, 7, u, GREEN, printf, NULL, &pair) > 0 ? 0 : 1;
}
