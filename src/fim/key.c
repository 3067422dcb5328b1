/* key: the Ed25519 key that signs file integrity baselines, kept as a small 0600 text file. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "fim/key.h"

#define KEY_MAGIC "mamori-fim-key 1\n"

struct fim_key {
	EVP_PKEY *pkey;
	uint8_t pub[FIM_KEY_SIZE];
};

static int from_seed(const uint8_t seed[32], struct fim_key **ret)
{
	struct fim_key *k = xcalloc(1, sizeof(*k));
	size_t n = FIM_KEY_SIZE;

	k->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (!k->pkey || !EVP_PKEY_get_raw_public_key(k->pkey, k->pub, &n) || n != FIM_KEY_SIZE) {
		fim_key_free(k);
		return -EIO;
	}
	*ret = k;
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int create_key(const char *path, struct strbuf *err)
{
	uint8_t seed[32];
	struct strbuf sb = STRBUF_INIT;
	int fd, r = 0;

	if (RAND_bytes(seed, sizeof(seed)) != 1) {
		error_set(err, "cannot draw a random key");
		return -EIO;
	}
	strbuf_addstr(&sb, KEY_MAGIC);
	strbuf_addhex(&sb, seed, sizeof(seed));
	strbuf_addch(&sb, '\n');
	explicit_bzero(seed, sizeof(seed));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		if (r != -EEXIST)
			error_set(err, "cannot create key '%s': %s", path, strerror(-r));
		goto out;
	}
	if (fchmod(fd, 0600) < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len || fsync(fd) < 0) {
		r = errno ? -errno : -EIO;
		error_set(err, "cannot write key '%s': %s", path, strerror(-r));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd) < 0) {
		r = -errno;
		error_set(err, "cannot write key '%s': %s", path, strerror(-r));
		unlink(path);
	}
out:
	strbuf_release_secret(&sb);
	return r;
}

int fim_key_load(const char *path, bool create, struct fim_key **ret, struct strbuf *err)
{
	struct strbuf sb = STRBUF_INIT;
	uint8_t seed[32];
	struct stat st;
	int fd, r;

	if (create) {
		r = create_key(path, err);
		if (r < 0 && r != -EEXIST)
			return r;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = -errno;
		error_set(err, "cannot open key '%s': %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		error_set(err, "key '%s' must be a file only its owner can read (chmod 600)", path);
		return -EACCES;
	}
	strbuf_grow(&sb, 128);
	ssize_t n = read(fd, sb.buf, 127);
	close(fd);
	if (n < 0) {
		r = -errno;
		error_set(err, "cannot read key '%s': %s", path, strerror(-r));
		strbuf_release_secret(&sb);
		return r;
	}
	strbuf_setlen(&sb, (size_t)n);
	r = -EINVAL;
	if (sb.len == strlen(KEY_MAGIC) + 65 && !memcmp(sb.buf, KEY_MAGIC, strlen(KEY_MAGIC)) &&
	    sb.buf[sb.len - 1] == '\n') {
		const char *h = sb.buf + strlen(KEY_MAGIC);
		r = 0;
		for (size_t i = 0; i < 32 && r == 0; i++) {
			int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);
			if (hi < 0 || lo < 0)
				r = -EINVAL;
			else
				seed[i] = (uint8_t)(hi * 16 + lo);
		}
	}
	strbuf_release_secret(&sb);
	if (r == 0)
		r = from_seed(seed, ret);
	explicit_bzero(seed, sizeof(seed));
	if (r == -EINVAL)
		error_set(err, "'%s' is not a Mamori file integrity key", path);
	else if (r < 0)
		error_set(err, "cannot load key '%s'", path);
	return r;
}

void fim_key_free(struct fim_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

const uint8_t *fim_key_public(const struct fim_key *k)
{
	return k->pub;
}

int fim_key_sign(const struct fim_key *k, const void *msg, size_t len, uint8_t sig[FIM_SIG_SIZE])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = FIM_SIG_SIZE;
	int r = -EIO;

	if (ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n == FIM_SIG_SIZE)
		r = 0;
	EVP_MD_CTX_free(ctx);
	return r;
}

bool fim_key_verify(const uint8_t pub[FIM_KEY_SIZE], const void *msg, size_t len,
                    const uint8_t sig[FIM_SIG_SIZE])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, FIM_KEY_SIZE);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = false;

	if (pkey && ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) == 1)
		ok = EVP_DigestVerify(ctx, sig, FIM_SIG_SIZE, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}
