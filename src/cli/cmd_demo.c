/*
 * cmd_demo.c — `aphx demo`: placeholder until the Arrow round trip lands.
 */
#include "cli/cli.h"

int cli_cmd_demo(int argc, char **argv)
{
    (void)argc; (void)argv;
    return 0;
}
