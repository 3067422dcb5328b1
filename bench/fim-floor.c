/* fim-floor: the least any program must do to hash a tree's files, for run-fim.sh's reader rows.
 *
 *   fim-floor LIST THREADS STAT
 *
 * LIST holds the files' paths, one a line (the walk is done already: no directory is read, no
 * rule matched, nothing recorded). THREADS threads take the next path each, open it
 * (O_NOFOLLOW, O_NOATIME where allowed), read it with 256 KiB read()s (the page cache's copy,
 * as fim's hashing threads read), hash it with OpenSSL's SHA-256 (the EVP digest fetched once,
 * as fim does and as openssl speed measures it) and close it. STAT 1 adds what issue 14
 * requires of fim on top: an fstat before reading and one after. Nothing of Mamori is linked:
 * only libc and libcrypto, which any program has. Prints the files and bytes hashed and the
 * digests' XOR (so the work cannot be left out), or exits 1 when a file cannot be read.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUF (256u << 10)

static char **paths;
static size_t npaths;
static atomic_size_t next_path;
static atomic_uint_fast64_t total;
static atomic_int failed;
static int with_stat;
static EVP_MD *md;
static pthread_mutex_t mix_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned char mix[32];

static int open_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC);

	if (fd < 0 && errno == EPERM)
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

static void *reader(void *arg)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *buf = aligned_alloc(4096, BUF), out[32], acc[32] = { 0 };
	uint64_t bytes = 0;
	unsigned int len;
	struct stat st;

	(void)arg;
	if (!ctx || !buf)
		abort();
	for (size_t i; (i = atomic_fetch_add(&next_path, 1)) < npaths;) {
		int fd = open_file(paths[i]);
		ssize_t n;
		if (fd < 0 || (with_stat && fstat(fd, &st) < 0)) {
			atomic_store(&failed, 1);
			if (fd >= 0)
				close(fd);
			continue;
		}
		EVP_DigestInit_ex(ctx, md, NULL);
		while ((n = read(fd, buf, BUF)) > 0) {
			EVP_DigestUpdate(ctx, buf, (size_t)n);
			bytes += (uint64_t)n;
		}
		if (n < 0 || (with_stat && fstat(fd, &st) < 0))
			atomic_store(&failed, 1);
		EVP_DigestFinal_ex(ctx, out, &len);
		for (size_t k = 0; k < sizeof(out); k++)
			acc[k] ^= out[k];
		close(fd);
	}
	atomic_fetch_add(&total, bytes);
	pthread_mutex_lock(&mix_mu);
	for (size_t k = 0; k < sizeof(acc); k++)
		mix[k] ^= acc[k];
	pthread_mutex_unlock(&mix_mu);
	free(buf);
	EVP_MD_CTX_free(ctx);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t threads[64];
	size_t alloc = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int nthreads;
	FILE *f;

	if (argc != 4 || (nthreads = atoi(argv[2])) < 1 || nthreads > 64) {
		fprintf(stderr, "usage: fim-floor LIST THREADS(1-64) STAT(0|1)\n");
		return 2;
	}
	with_stat = atoi(argv[3]) != 0;
	f = fopen(argv[1], "r");
	if (!f) {
		fprintf(stderr, "fim-floor: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (!n)
			continue;
		if (npaths == alloc) {
			alloc = alloc ? 2 * alloc : 1024;
			paths = realloc(paths, alloc * sizeof(*paths));
			if (!paths)
				abort();
		}
		paths[npaths] = strdup(line);
		if (!paths[npaths++])
			abort();
	}
	free(line);
	fclose(f);
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!md)
		abort();
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&threads[i], NULL, reader, NULL))
			abort();
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	printf("%zu %llu ", npaths, (unsigned long long)atomic_load(&total));
	for (size_t k = 0; k < sizeof(mix); k++)
		printf("%02x", mix[k]);
	printf("\n");
	for (size_t i = 0; i < npaths; i++)
		free(paths[i]);
	free(paths);
	EVP_MD_free(md);
	if (atomic_load(&failed)) {
		fprintf(stderr, "fim-floor: a file could not be read\n");
		return 1;
	}
	return 0;
}
