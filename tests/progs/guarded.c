/* guarded N: N rounds, 5 ms apart, of the marker app:tick (argument: the round) behind its SDT
 * semaphore, as sys/sdt.h's APP_TICK_ENABLED() guard does; counts the rounds the semaphore let
 * through and prints that count and the semaphore's value at the end.  Exits 0. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../lib/sdt_note.h"

__attribute__((section(".probes"), used)) volatile unsigned short app_tick_semaphore;

#define MARK1(name, a1)                                                                \
	__asm__ volatile("990: nop\n" SDT_NOTE("app", #name, "990b", "_.stapsdt.base", \
					       "app_tick_semaphore", "-4@%0")::"nor"(a1))

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
