/* guarded N: N rounds, 5 ms apart, of the marker app:tick (argument: the round) behind its SDT
 * semaphore, as sys/sdt.h's APP_TICK_ENABLED() guard does; counts the rounds the semaphore let
 * through and prints that count and the semaphore's value at the end.  Exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((section(".probes"), used)) volatile unsigned short app_tick_semaphore;

#define MARK1(name, a1)                                                                          \
	__asm__ volatile("990: nop\n"                                                            \
			 ".pushsection .note.stapsdt,\"?\",\"note\"\n"                           \
			 ".balign 4\n"                                                           \
			 ".4byte 992f-991f, 994f-993f, 3\n"                                      \
			 "991: .asciz \"stapsdt\"\n"                                             \
			 "992: .balign 4\n"                                                      \
			 "993: .8byte 990b\n"                                                    \
			 ".8byte _.stapsdt.base\n"                                               \
			 ".8byte app_tick_semaphore\n"                                           \
			 ".asciz \"app\"\n"                                                      \
			 ".asciz \"" #name "\"\n"                                                \
			 ".asciz \"-4@%0\"\n"                                                    \
			 "994: .balign 4\n"                                                      \
			 ".popsection\n"                                                         \
			 ".ifndef _.stapsdt.base\n"                                              \
			 ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n" \
			 ".weak _.stapsdt.base\n"                                                \
			 ".hidden _.stapsdt.base\n"                                              \
			 "_.stapsdt.base: .space 1\n"                                            \
			 ".size _.stapsdt.base, 1\n"                                             \
			 ".popsection\n"                                                         \
			 ".endif\n" ::"nor"(a1))

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, fired = 0;

	for (int i = 0; i < n; i++) {
		if (app_tick_semaphore) {
			MARK1(tick, i);
			fired++;
		}
		usleep(5000);
	}
	printf("fired=%d semaphore=%u\n", fired, app_tick_semaphore);
	return 0;
}
