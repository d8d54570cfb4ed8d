/* libpm: update Outlook profiles after an Exchange mailbox migration. Umbrella header. */
#ifndef PM_PM_H
#define PM_PM_H

#define PM_VERSION "0.1.0"

#include "pm/apply.h"
#include "pm/config.h"
#include "pm/error.h"
#include "pm/log.h"
#include "pm/logschema.h"
#include "pm/os.h"
#include "pm/plan.h"
#include "pm/policy.h"
#include "pm/profile.h"
#include "pm/puf.h"
#include "pm/regfile.h"
#include "pm/status.h"
#include "pm/store.h"
#include "pm/update.h"
#include "pm/util.h"
#include "pm/value.h"

#endif
