#include "cli/cli.h"
int cli_cmd_arrow(int argc, char **argv) { (void)argc; (void)argv; return 0; }
