/*
 * sha256x16: SHA-256 (FIPS 180-4) of up to 16 messages at once, each in one 32-bit lane of the
 * AVX-512 registers. The receivers hash two things a message (its seal over ~310 bytes, six
 * 64-byte blocks, and its leaf over ~110, two), one message after another, with the CPU's SHA
 * extensions at about 45 ns a block: 62% of a receiving thread. The messages of a submission do
 * not depend on each other, so 16 of them go through the rounds together: the same bytes out
 * (tests/unit/ledger/test-merkle.c compares every length with OpenSSL), in about half the time.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ledger/sha256x16.h"

bool sha256x16_on = true;
_Thread_local unsigned long sha256x16_calls;

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define STRIDE 1024 /* bytes of a lane's padded message: SHA256X16_MAX + 9, rounded up */
_Static_assert(SHA256X16_MAX + 9 <= STRIDE, "a lane holds its longest message padded");

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

static const uint32_t IV[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };

static pthread_once_t can_once = PTHREAD_ONCE_INIT;
static bool can_answer;

/*
 * MAMORI_SHA256X16=off in the process's environment: the operator's switch (docs/logs.md), for
 * a CPU where 512-bit work lowers the other cores' clock (Skylake-SP), or to rule it out.
 */
static bool switched_off(void)
{
	const char *v = getenv("MAMORI_SHA256X16");

	return v && (!strcasecmp(v, "off") || !strcmp(v, "0") || !strcasecmp(v, "no") ||
	             !strcasecmp(v, "false"));
}

static const char *can_why = "off";

static void can_find(void)
{
	/* (GCC's checks include the kernel's: XGETBV says the registers are saved) */
	if (switched_off())
		can_why = "off (MAMORI_SHA256X16)";
	else if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw"))
		can_why = "off (no AVX-512F and BW)";
	else if (!sha256x16_selftest(sha256x16))
		can_why = "off (its self-test failed: a miscompile or a faulty CPU)";
	else
		can_why = "on";
	can_answer = !strcmp(can_why, "on");
}

bool sha256x16_can(void)
{
	pthread_once(&can_once, can_find);
	return can_answer;
}

const char *sha256x16_why(void)
{
	pthread_once(&can_once, can_find);
	return can_why;
}

bool sha256x16_selftest(sha256x16_fn *fn)
{
	static const unsigned lens[SHA256X16_LANES] = { 0,   1,   3,   55,  56,  63,  64,  65,
		                                        119, 120, 183, 247, 312, 500, 949, 950 };
	struct sha256x16_msg m[SHA256X16_LANES];
	/* (each lane its own bytes, from 7 * lane on: no two lanes' blocks alike) */
	uint8_t data[SHA256X16_MAX + 7 * SHA256X16_LANES], got[SHA256X16_LANES][32], want[32];

	if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw"))
		return false;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 167 + 13);
	for (unsigned l = 0; l < SHA256X16_LANES; l++) { /* (parts: a third, then the rest) */
		unsigned a = lens[l] / 3, b = l % 2 ? a : lens[l] - a; /* (odd lanes: three) */
		const uint8_t *d = data + 7 * l;

		m[l] = (struct sha256x16_msg){ .part = { d, d + a, d + a + b },
			                       .len = { a, b, lens[l] - a - b } };
	}
	fn(m, SHA256X16_LANES, got);
	for (unsigned l = 0; l < SHA256X16_LANES; l++)
		if (EVP_Digest(data + 7 * l, lens[l], want, NULL, EVP_sha256(), NULL) != 1 ||
		    memcmp(got[l], want, sizeof(want)))
			return false;
	return true;
}

#define ROR(x, n)     _mm512_ror_epi32(x, n)
#define XOR3(a, b, c) _mm512_ternarylogic_epi32(a, b, c, 0x96)
#define CH(e, f, g)   _mm512_ternarylogic_epi32(e, f, g, 0xca) /* e ? f : g */
#define MAJ(a, b, c)  _mm512_ternarylogic_epi32(a, b, c, 0xe8) /* two of three */
#define ADD(a, b)     _mm512_add_epi32(a, b)

/* Word t of the schedule, from t >= 16: w holds the last 16 (t mod 16). */
__attribute__((target("avx512f,avx512bw"))) static inline __m512i schedule(__m512i w[16], int t)
{
	__m512i w2 = w[(t - 2) & 15], w15 = w[(t - 15) & 15];
	__m512i s1 = XOR3(ROR(w2, 17), ROR(w2, 19), _mm512_srli_epi32(w2, 10));
	__m512i s0 = XOR3(ROR(w15, 7), ROR(w15, 18), _mm512_srli_epi32(w15, 3));

	w[t & 15] = ADD(ADD(s1, w[(t - 7) & 15]), ADD(s0, w[t & 15]));
	return w[t & 15];
}

/*
 * w[t] = word t of block j of each lane (lane l's at buf + l * STRIDE + j * 64), big-endian: the
 * 16 blocks loaded whole and transposed (four rounds of 16 shuffles): 16 gathers of a word
 * from each lane made a 312-byte message's hash 4% slower, a 110-byte one's 6% (a loop of
 * 16-lane calls, CPU time).
 */
__attribute__((target("avx512f,avx512bw"))) static inline void
load_words(__m512i w[16], const uint8_t *buf, unsigned j)
{
	const __m512i bswap = _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203);
	__m512i r[16], t[16];

	for (int l = 0; l < 16; l++)
		r[l] = _mm512_load_si512((const void *)(buf + (size_t)l * STRIDE + (size_t)j * 64));
	/* pairs of lanes: t[2i] holds, in each 128-bit part k, words 4k and 4k + 1 of lanes 2i
	 * and 2i + 1, t[2i + 1] their words 4k + 2 and 4k + 3 */
	for (int i = 0; i < 8; i++) {
		t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
	}
	/* fours of lanes: r[4g + m] holds, in part k, word 4k + m of lanes 4g..4g + 3 */
	for (int g = 0; g < 4; g++) {
		r[4 * g] = _mm512_unpacklo_epi64(t[4 * g], t[4 * g + 2]);
		r[4 * g + 1] = _mm512_unpackhi_epi64(t[4 * g], t[4 * g + 2]);
		r[4 * g + 2] = _mm512_unpacklo_epi64(t[4 * g + 1], t[4 * g + 3]);
		r[4 * g + 3] = _mm512_unpackhi_epi64(t[4 * g + 1], t[4 * g + 3]);
	}
	/* word 4k + m: part k of r[m], r[4 + m], r[8 + m], r[12 + m] */
	for (int m = 0; m < 4; m++) {
		__m512i a0 = _mm512_shuffle_i32x4(r[m], r[4 + m], 0x88);
		__m512i a1 = _mm512_shuffle_i32x4(r[m], r[4 + m], 0xdd);
		__m512i b0 = _mm512_shuffle_i32x4(r[8 + m], r[12 + m], 0x88);
		__m512i b1 = _mm512_shuffle_i32x4(r[8 + m], r[12 + m], 0xdd);

		w[m] = _mm512_shuffle_epi8(_mm512_shuffle_i32x4(a0, b0, 0x88), bswap);
		w[4 + m] = _mm512_shuffle_epi8(_mm512_shuffle_i32x4(a1, b1, 0x88), bswap);
		w[8 + m] = _mm512_shuffle_epi8(_mm512_shuffle_i32x4(a0, b0, 0xdd), bswap);
		w[12 + m] = _mm512_shuffle_epi8(_mm512_shuffle_i32x4(a1, b1, 0xdd), bswap);
	}
}

/*
 * The blocks of 16 padded messages, lane l's block j at buf + l * STRIDE + j * 64, into st;
 * lane l takes nblocks[l] blocks (the others' rounds are masked out of its state).
 */
__attribute__((target("avx512f,avx512bw"))) static void
blocks(__m512i st[8], const uint8_t *buf, const uint8_t nblocks[SHA256X16_LANES], unsigned most)
{
	const __m512i nb = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)nblocks));

	for (unsigned j = 0; j < most; j++) {
		__mmask16 on = _mm512_cmpgt_epu32_mask(nb, _mm512_set1_epi32((int)j));
		__m512i w[16], v[8];

		for (int i = 0; i < 8; i++)
			v[i] = st[i];
		load_words(w, buf, j);
		for (int t = 0; t < 64; t++) {
			__m512i wt = t < 16 ? w[t] : schedule(w, t);
			__m512i t1 =
			    ADD(ADD(v[7], XOR3(ROR(v[4], 6), ROR(v[4], 11), ROR(v[4], 25))),
			        ADD(CH(v[4], v[5], v[6]), ADD(wt, _mm512_set1_epi32((int)K[t]))));
			__m512i t2 = ADD(XOR3(ROR(v[0], 2), ROR(v[0], 13), ROR(v[0], 22)),
			                 MAJ(v[0], v[1], v[2]));

			v[7] = v[6];
			v[6] = v[5];
			v[5] = v[4];
			v[4] = ADD(v[3], t1);
			v[3] = v[2];
			v[2] = v[1];
			v[1] = v[0];
			v[0] = ADD(t1, t2);
		}
		for (int i = 0; i < 8; i++)
			st[i] = _mm512_mask_add_epi32(st[i], on, st[i], v[i]);
	}
}

__attribute__((target("avx512f,avx512bw"))) void sha256x16(const struct sha256x16_msg *m,
                                                           unsigned n, uint8_t out[][32])
{
	/* the padded messages (personal data: wiped below) */
	static _Thread_local uint8_t buf[SHA256X16_LANES * STRIDE] __attribute__((aligned(64)));
	uint8_t nblocks[SHA256X16_LANES] = { 0 };
	uint32_t words[8][SHA256X16_LANES];
	unsigned most = 0;
	__m512i st[8];

	if (n > SHA256X16_LANES)
		abort(); /* (the caller's mistake: never more lanes than there are) */
	sha256x16_calls++;
	for (unsigned l = 0; l < n; l++) {
		uint8_t *p = buf + (size_t)l * STRIDE;
		size_t len = 0, padded;
		uint64_t bits;

		/* (a longer one is the caller's mistake: it hashes it another way) */
		for (int k = 0; k < 3; k++) {
			if (m[l].len[k] > SHA256X16_MAX - len)
				abort();
			len += m[l].len[k];
		}
		len = 0;
		for (int k = 0; k < 3; k++) {
			if (m[l].len[k])
				memcpy(p + len, m[l].part[k], m[l].len[k]);
			len += m[l].len[k];
		}
		padded = (len + 9 + 63) / 64 * 64;
		p[len] = 0x80;
		memset(p + len + 1, 0, padded - len - 9);
		bits = (uint64_t)len * 8;
		for (int i = 0; i < 8; i++)
			p[padded - 1 - i] = (uint8_t)(bits >> (8 * i));
		nblocks[l] = (uint8_t)(padded / 64);
		if (nblocks[l] > most)
			most = nblocks[l];
	}
	for (int i = 0; i < 8; i++)
		st[i] = _mm512_set1_epi32((int)IV[i]);
	blocks(st, buf, nblocks, most);
	for (int i = 0; i < 8; i++)
		_mm512_storeu_si512(words[i], st[i]);
	for (unsigned l = 0; l < n; l++) {
		for (int i = 0; i < 8; i++) {
			out[l][4 * i] = (uint8_t)(words[i][l] >> 24);
			out[l][4 * i + 1] = (uint8_t)(words[i][l] >> 16);
			out[l][4 * i + 2] = (uint8_t)(words[i][l] >> 8);
			out[l][4 * i + 3] = (uint8_t)words[i][l];
		}
		explicit_bzero(buf + (size_t)l * STRIDE, (size_t)nblocks[l] * 64);
	}
	explicit_bzero(words, sizeof(words));
}

#else

bool sha256x16_can(void)
{
	return false;
}

bool sha256x16_selftest(sha256x16_fn *fn)
{
	(void)fn;
	return false;
}

const char *sha256x16_why(void)
{
	return "off (not x86-64)";
}

void sha256x16(const struct sha256x16_msg *m, unsigned n, uint8_t out[][32])
{
	(void)m;
	(void)n;
	(void)out;
	abort(); /* (sha256x16_can() says no here: the caller's mistake) */
}

#endif
