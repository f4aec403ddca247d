#include "CThreadLocal.h"

__thread void *roster_current_strand = 0;
