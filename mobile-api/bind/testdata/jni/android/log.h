/* android/log.h for a desktop JVM: the gobind JNI glue logs through
 * __android_log_print; here it goes to stderr. */
#ifndef COURIER_ANDROID_LOG_SHIM_H
#define COURIER_ANDROID_LOG_SHIM_H
#include <stdarg.h>
#include <stdio.h>

#define ANDROID_LOG_INFO 4
#define ANDROID_LOG_FATAL 7

static inline int __android_log_print(int prio, const char *tag, const char *fmt, ...) {
	va_list ap;
	int n;
	(void)prio;
	fprintf(stderr, "%s: ", tag);
	va_start(ap, fmt);
	n = vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return n;
}
#endif
