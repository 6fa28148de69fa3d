#include "textflag.h"
#include "vec_amd64.h"

// func plainRun(buf []byte, i int, stop uint64) int
//
// Sixteen bytes a turn with SSE2 (every amd64 has it): one signed compare
// finds the control bytes and the bytes >= 0x80 together (both are less
// than 0x20 as signed bytes), three byte compares find '&', '<' and the
// stop byte, and PMOVMSKB gives their positions as a bit mask. The last
// fifteen bytes or fewer go one at a time.
TEXT ·plainRun(SB), NOSPLIT, $0-48
	MOVQ buf_base+0(FP), SI
	MOVQ buf_len+8(FP), BX
	MOVQ i+24(FP), AX
	MOVQ stop+32(FP), CX
	MOVQ CX, X4
	PUNPCKLQDQ X4, X4
	STOPCONSTS16

	// With AVX2 (useAVX2), thirty-two bytes a turn first (long runs of
	// text: base64 photos), the same compares in all of Y1-Y4.
	CMPB ·useAVX2(SB), $0
	JEQ sse
	LEAQ -32(BX), DI // the last start of a whole 32-byte block
	CMPQ AX, DI
	JGT sse
	STOPCONSTS32
	VPBROADCASTQ X4, Y4

loop32:
	VMOVDQU (SI)(AX*1), Y0
	STOPS32(Y4, DX)
	TESTL DX, DX
	JNZ found32
	ADDQ $32, AX
	CMPQ AX, DI
	JLE loop32
	VZEROUPPER

sse:
	LEAQ -16(BX), DI // the last start of a whole block
	CMPQ AX, DI
	JGT tail

loop:
	MOVOU (SI)(AX*1), X0
	STOPS16(X4, DX)
	TESTL DX, DX
	JNZ found
	ADDQ $16, AX
	CMPQ AX, DI
	JLE loop

tail:
	CMPQ AX, BX
	JGE end
	MOVBLZX (SI)(AX*1), DX
	CMPB DX, $0x20
	JCS ret
	CMPB DX, $0x80
	JCC ret
	CMPB DX, $0x26
	JEQ ret
	CMPB DX, $0x3c
	JEQ ret
	CMPB DX, CX
	JEQ ret
	INCQ AX
	JMP tail

end:
	MOVQ BX, AX

ret:
	MOVQ AX, ret+40(FP)
	RET

found:
	BSFL DX, DX
	ADDQ DX, AX
	MOVQ AX, ret+40(FP)
	RET

found32:
	VZEROUPPER
	BSFL DX, DX
	ADDQ DX, AX
	MOVQ AX, ret+40(FP)
	RET

// The broadcast constants plainRun, ctlAmpRun and fast_amd64.s share.
DATA ·vecCtl+0(SB)/8, $0x2020202020202020
DATA ·vecCtl+8(SB)/8, $0x2020202020202020
GLOBL ·vecCtl(SB), RODATA|NOPTR, $16

DATA ·vecAmp+0(SB)/8, $0x2626262626262626
DATA ·vecAmp+8(SB)/8, $0x2626262626262626
GLOBL ·vecAmp(SB), RODATA|NOPTR, $16

DATA ·vecLT+0(SB)/8, $0x3c3c3c3c3c3c3c3c
DATA ·vecLT+8(SB)/8, $0x3c3c3c3c3c3c3c3c
GLOBL ·vecLT(SB), RODATA|NOPTR, $16

// func ctlAmpRun(buf []byte, i int) int
//
// The index of the first byte from buf[i] that is a control byte (below
// 0x20, unsigned) or '&', or len(buf): where a decoded copy must look.
// PMINUB with 0x1F leaves a byte unchanged exactly when it is at most 0x1F.
TEXT ·ctlAmpRun(SB), NOSPLIT, $0-40
	MOVQ buf_base+0(FP), SI
	MOVQ buf_len+8(FP), BX
	MOVQ i+24(FP), AX
	MOVOU ctlMax<>(SB), X1
	MOVOU ·vecAmp(SB), X2
	LEAQ -16(BX), DI
	CMPQ AX, DI
	JGT ctail

cloop:
	MOVOU (SI)(AX*1), X0
	MOVO X0, X5
	PMINUB X1, X5
	PCMPEQB X0, X5
	MOVO X0, X6
	PCMPEQB X2, X6
	POR X6, X5
	PMOVMSKB X5, DX
	TESTL DX, DX
	JNZ cfound
	ADDQ $16, AX
	CMPQ AX, DI
	JLE cloop

ctail:
	CMPQ AX, BX
	JGE cend
	MOVBLZX (SI)(AX*1), DX
	CMPB DX, $0x20
	JCS cret
	CMPB DX, $0x26
	JEQ cret
	INCQ AX
	JMP ctail

cend:
	MOVQ BX, AX

cret:
	MOVQ AX, ret+32(FP)
	RET

cfound:
	BSFL DX, DX
	ADDQ DX, AX
	MOVQ AX, ret+32(FP)
	RET

DATA ctlMax<>+0(SB)/8, $0x1f1f1f1f1f1f1f1f
DATA ctlMax<>+8(SB)/8, $0x1f1f1f1f1f1f1f1f
GLOBL ctlMax<>(SB), RODATA|NOPTR, $16
