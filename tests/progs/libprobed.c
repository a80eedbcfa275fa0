/* A library for dlopen tests: lib_func is probed before the library is loaded. */
long lib_func(long x);

__attribute__((noinline)) long lib_func(long x)
{
	return x + 7;
}
