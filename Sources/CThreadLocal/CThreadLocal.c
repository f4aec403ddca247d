#include "CThreadLocal.h"

__thread void *roster_current_strand = 0;
__thread long roster_release_depth = 0;
