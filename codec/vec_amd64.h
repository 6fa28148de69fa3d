// Block classification shared by plain_amd64.s and fast_amd64.s: with the
// block in X0 (Y0), X1-X3 (Y1-Y3) holding the control, '&' and '<' bytes
// (vecCtl, vecAmp, vecLT) and stop a fourth byte broadcast, set mask to
// the positions of the bytes that stop a plain run: control bytes and
// bytes >= 0x80 (both below 0x20 as signed bytes), '&', '<' and stop.
// X0 (Y0) and X5-X7 (Y5-Y7) are scratch.

// STOPCONSTS16 and STOPCONSTS32 (AVX2) load those three constants, the
// second into all 32 bytes of Y1-Y3 (the low halves the same).
#define STOPCONSTS16 \
	MOVOU ·vecCtl(SB), X1; \
	MOVOU ·vecAmp(SB), X2; \
	MOVOU ·vecLT(SB), X3

#define STOPCONSTS32 \
	VPBROADCASTB ·vecCtl(SB), Y1; \
	VPBROADCASTB ·vecAmp(SB), Y2; \
	VPBROADCASTB ·vecLT(SB), Y3

#define STOPS16(stop, mask) \
	MOVO X1, X5; \
	PCMPGTB X0, X5; \
	MOVO X0, X6; \
	PCMPEQB X2, X6; \
	MOVO X0, X7; \
	PCMPEQB X3, X7; \
	PCMPEQB stop, X0; \
	POR X6, X5; \
	POR X7, X5; \
	POR X0, X5; \
	PMOVMSKB X5, mask

#define STOPS32(stop, mask) \
	VPCMPGTB Y0, Y1, Y5; \
	VPCMPEQB Y0, Y2, Y6; \
	VPCMPEQB Y0, Y3, Y7; \
	VPCMPEQB Y0, stop, Y0; \
	VPOR Y6, Y5, Y5; \
	VPOR Y7, Y5, Y5; \
	VPOR Y0, Y5, Y5; \
	VPMOVMSKB Y5, mask
