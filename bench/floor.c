/* The floor for a change: a program linking what dlg links and starting
   libgit2, doing nothing else.  `make bench` prints dlg's times against it. */
#include <git2.h>

int main(void)
{
	git_libgit2_init();
	git_libgit2_shutdown();
	return 0;
}
