/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The seed library: a soname, symbol versions (one hidden, one default) and an ifunc. */
int seed_lib_old(int x);
int seed_lib_new(int x);
int seed_lib_plain(int x);

__attribute__((noinline)) int seed_lib_old(int x)
{
	return x + 1;
}

__attribute__((noinline)) int seed_lib_new(int x)
{
	return x + 2;
}

__asm__(".symver seed_lib_old, seed_lib_compute@SEEDLIB_1");
__asm__(".symver seed_lib_new, seed_lib_compute@@SEEDLIB_2");

int seed_lib_plain(int x)
{
	return x * 3;
}

static int (*resolve_fast(void))(int)
{
	return seed_lib_plain;
}

int seed_lib_fast(int x) __attribute__((ifunc("resolve_fast")));
