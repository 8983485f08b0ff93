/* Commands of the analysis issue, not built yet. */
#include "cmd.h"

int cmd_report(int argc, char **argv)
{
	(void)argc; (void)argv;
	oc_err("report: not implemented yet");
	return 2;
}

int cmd_split(int argc, char **argv)
{
	(void)argc; (void)argv;
	oc_err("split: not implemented yet");
	return 2;
}
