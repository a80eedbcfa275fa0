/* dlopener LIB N: dlopen LIB, call lib_func N times, dlclose; map some memory so the next
 * load lands elsewhere, dlopen again and call it N times.  Exit 0 if every result was right. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static int run(const char *lib, long n, void **where, void **base)
{
	Dl_info info;
	long (*fn)(long);
	void *h = dlopen(lib, RTLD_NOW);
	long i, bad = 0;

	if (!h)
		return 1;
	fn = (long (*)(long))dlsym(h, "lib_func");
	if (!fn)
		return 1;
	*where = (void *)fn;
	*base = dladdr((void *)fn, &info) ? info.dli_fbase : NULL;
	for (i = 0; i < n; i++)
		bad += fn(i) != i + 7;
	dlclose(h);
	return bad != 0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 10;
	void *first, *second, *base;
	int bad;

	if (argc < 2)
		return 2;
	bad = run(argv[1], n, &first, &base);
	/* Occupy the old place, so that the second load lands elsewhere. */
	if (base && mmap(base, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			 -1, 0) == MAP_FAILED)
		perror("mmap");
	bad |= run(argv[1], n, &second, &base);
	printf("%p %p\n", first, second);
	return bad || first == second;
}
