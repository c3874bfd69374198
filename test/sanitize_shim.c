/*
 * sanitize_shim.c
 *	  Preloaded after the ASan runtime into the uninstrumented postmaster
 *	  by test/sanitize.sh; never part of the extension.
 *
 * With libasan preloaded, the constructor of libp11-kit (pulled in by the
 * server through libldap and gnutls) leaves glibc's locale read-write locks
 * unbalanced, so the next write lock waits forever: bindtextdomain() in
 * main() and freelocale() at exit hang.  The server does not need message
 * translation for the tests, so these stand-ins never take the locks:
 * messages stay untranslated and a freed locale object is leaked.
 */
#include <locale.h>
#include <stddef.h>

char	   *bindtextdomain(const char *domain, const char *dir);
char	   *bind_textdomain_codeset(const char *domain, const char *codeset);
char	   *textdomain(const char *domain);

/* The catalogue directory, as if bound. */
char *
bindtextdomain(const char *domain, const char *dir)
{
	return (char *) (dir ? dir : "/usr/share/locale");
}

/* The codeset, as if bound. */
char *
bind_textdomain_codeset(const char *domain, const char *codeset)
{
	return (char *) codeset;
}

/* The domain, as if selected. */
char *
textdomain(const char *domain)
{
	return (char *) (domain ? domain : "messages");
}

/* Leak the locale object rather than take the locale lock. */
void
freelocale(locale_t loc)
{
	(void) loc;
}
