#include "textflag.h"
#include "vec_amd64.h"

// The fast path's assembly: the attribute loop (attrLoop, called by
// attrFast and tagFast) and the tag loop (tagFast). Go's register ABI keeps
// no register across a call and the compiler spills a loop's live values
// around every one; here each loop keeps its state in registers and calls
// nothing but attrLoop, which keeps them too. Every store goes to memory
// that holds no pointers (tape entries, slice lengths), so no write
// barrier is needed. The offsets into tok, attr, openElt, nsDecl, nsRef,
// tape and limits are held to their Go layouts by TestFastLayout.

// The vector constants: control bytes (below 0x20 as signed bytes, which
// takes in every byte >= 0x80 too), '&', '<', both quotes, ']', and 'a'
// and 25 for lower-case letters ((c-'a') <= 25 unsigned, by PMINUB).
#define LOADCONSTS \
	STOPCONSTS16; \
	MOVOU fastSQ<>(SB), X8; \
	MOVOU fastDQ<>(SB), X9; \
	PXOR X10, X10; \
	MOVOU fastLowA<>(SB), X11; \
	MOVOU fastLow25<>(SB), X12

// utf8Skip<> goes over well-formed UTF-8 XML characters: from R13, at a
// byte >= 0x80 in SI[0:BX], it advances R13 past each character it takes
// and stops at an ASCII byte, at the end of buf, or at a byte that starts
// no character it takes (the caller bails if (SI)(R13*1) >= 0x80 there).
// It takes what utf8SkipGo takes: every character from U+0080 that XML
// allows. R14 is scratch.
TEXT utf8Skip<>(SB), NOSPLIT, $0-0
uloop:
	CMPQ R13, BX
	JCC uout
	MOVBLZX (SI)(R13*1), R14
	CMPL R14, $0xe0
	JCC ulong
	CMPL R14, $0xc2
	JCS uout // ASCII, a continuation byte, C0 or C1
	LEAQ 1(R13), R14
	CMPQ R14, BX
	JCC uout
	MOVBLZX 1(SI)(R13*1), R14
	ANDL $0xc0, R14
	CMPL R14, $0x80
	JNE uout
	ADDQ $2, R13
	JMP uloop

ulong:
	// Three bytes, E0 A0-BF, E1-EC 80-BF, ED 80-9F (no surrogates),
	// EE-EF 80-BF, then a continuation byte; not U+FFFE or U+FFFF.
	CMPL R14, $0xf0
	JCC ufour
	LEAQ 2(R13), R14
	CMPQ R14, BX
	JCC uout
	MOVBLZX 1(SI)(R13*1), R14
	ANDL $0xc0, R14
	CMPL R14, $0x80
	JNE uout
	MOVBLZX 2(SI)(R13*1), R14
	ANDL $0xc0, R14
	CMPL R14, $0x80
	JNE uout
	MOVBLZX (SI)(R13*1), R14
	SHLL $8, R14
	MOVB 1(SI)(R13*1), R14 // lead<<8 | second
	CMPL R14, $0xe0a0
	JCS uout
	CMPL R14, $0xeda0
	JCS u3
	CMPL R14, $0xedbf
	JLS uout
	CMPL R14, $0xefbf
	JNE u3
	CMPB 2(SI)(R13*1), $0xbe
	JCC uout

u3:
	ADDQ $3, R13
	JMP uloop

ufour:
	// F0 90-BF, F1-F3 80-BF, F4 80-8F, then two continuation bytes.
	CMPL R14, $0xf4
	JHI uout
	LEAQ 3(R13), R14
	CMPQ R14, BX
	JCC uout
	MOVBLZX (SI)(R13*1), R14
	SHLL $8, R14
	MOVB 1(SI)(R13*1), R14
	CMPL R14, $0xf090
	JCS uout
	CMPL R14, $0xf48f
	JHI uout
	ANDL $0xc0, R14
	CMPL R14, $0x80
	JNE uout
	MOVBLZX 2(SI)(R13*1), R14
	ANDL $0xc0, R14
	CMPL R14, $0x80
	JNE uout
	MOVBLZX 3(SI)(R13*1), R14
	ANDL $0xc0, R14
	CMPL R14, $0x80
	JNE uout
	ADDQ $4, R13
	JMP uloop

uout:
	RET

// refSkip<> goes over a reference: from R13, at an '&' in SI[0:BX], it
// moves R13 past the ';' of a reference checkRef takes (refOK), when the
// five bytes after the '&' are in buf, and sets R14 to 1; otherwise it
// leaves R13 at the '&' and sets R14 to 0. R11 and R12 are saved around
// the numeric case.
TEXT refSkip<>(SB), NOSPLIT, $0-0
	LEAQ 6(R13), R14
	CMPQ R14, BX
	JHI rout
	MOVL 1(SI)(R13*1), R14
	CMPL R14, $0x3b706d61 // "amp;"
	JEQ r5
	CMPL R14, $0x746f7571 // "quot"
	JEQ r6
	CMPL R14, $0x736f7061 // "apos"
	JEQ r6
	ANDL $0xffffff, R14
	CMPL R14, $0x3b746c // "lt;"
	JEQ r4
	CMPL R14, $0x3b7467 // "gt;"
	JEQ r4
	ANDL $0xff, R14
	CMPL R14, $0x23 // '#'
	JEQ rnum

rout:
	XORL R14, R14
	RET

r4:
	ADDQ $4, R13
	MOVL $1, R14
	RET

r5:
	ADDQ $5, R13
	MOVL $1, R14
	RET

r6:
	CMPB 5(SI)(R13*1), $0x3b
	JNE rout
	ADDQ $6, R13
	MOVL $1, R14
	RET

rnum:
	// A character reference: R11 the digit, R12 the value so far. As in
	// checkRef: at least one digit, the value at most 0x10FFFF and the
	// reference under maxRefLen (12) bytes at every digit, and the value
	// an XML character.
	PUSHQ R11
	PUSHQ R12
	LEAQ 2(R13), R11
	XORL R12, R12
	CMPB (SI)(R11*1), $0x78 // 'x': hexadecimal
	JNE rfirst
	INCQ R11

rfirst:
	CMPQ R11, BX
	JCC rfail
	CMPB (SI)(R11*1), $0x3b // no digits
	JEQ rfail

rdigit:
	CMPQ R11, BX
	JCC rfail
	MOVBLZX (SI)(R11*1), R14
	CMPL R14, $0x3b
	JEQ rchar
	SUBL $0x30, R14
	CMPL R14, $9
	JLS rvalue
	CMPB 2(SI)(R13*1), $0x78 // letters are hexadecimal digits only
	JNE rfail
	MOVBLZX (SI)(R11*1), R14
	ORL $0x20, R14
	SUBL $0x61, R14 // 'a'-'f', either case
	CMPL R14, $5
	JHI rfail
	ADDL $10, R14

rvalue:
	CMPB 2(SI)(R13*1), $0x78
	JEQ rbase16
	LEAL (R12)(R12*4), R12
	ADDL R12, R12
	JMP radd

rbase16:
	SHLL $4, R12

radd:
	ADDL R14, R12
	CMPL R12, $0x10ffff
	JHI rfail
	MOVQ R11, R14
	SUBQ R13, R14
	CMPQ R14, $12
	JCC rfail
	INCQ R11
	JMP rdigit

rchar:
	// isXMLChar(R12).
	CMPL R12, $0x20
	JCC rge20
	CMPL R12, $0x9
	JEQ rok
	CMPL R12, $0xa
	JEQ rok
	CMPL R12, $0xd
	JEQ rok
	JMP rfail

rge20:
	CMPL R12, $0xd800
	JCS rok
	CMPL R12, $0xe000
	JCS rfail
	CMPL R12, $0xfffe
	JCS rok
	CMPL R12, $0x10000
	JCS rfail

rok:
	LEAQ 1(R11), R13
	MOVL $1, R14
	JMP rpop

rfail:
	XORL R14, R14

rpop:
	POPQ R12
	POPQ R11
	RET

// attrLoop is attrFastGo's loop with its own register convention:
//	in:  SI buf, BX len(buf), AX i, CX k (attributes on the tape), DI the
//	     tape's attributes, DX the class table, R8 the duplicate filter,
//	     R9 flags, R10 xmlnsAt, X14 the attribute limit, X15 the name
//	     length limit, and the LOADCONSTS vectors (and STOPCONSTS32's
//	     with useAVX2);
//	out: R12 1 if it reached the tag's end (AX past it), 0 if not (AX the
//	     white space before the attribute it left); CX, R8, R9 and R10
//	     updated. R11, R13, R14, X0 and X4-X7 are scratch.
// Values may hold non-ASCII characters (utf8Skip), references (refSkip;
// the attribute's fRefs) and TAB and LF (fWS): R9's bits 8-15 hold the
// current attribute's flags, and bit 16 marks an "xml:" name.
// From the name on, AX holds the filter bit and bailAttr sets it back.
TEXT attrLoop<>(SB), NOSPLIT, $0-0
next:
	CMPQ AX, BX
	JCC bail
	MOVBLZX (SI)(AX*1), R12
	CMPB R12, $0x20
	JNE notspace

	// A name from R11 = i+1: a name-start byte that is not ':', then
	// name bytes up to '=' (a ':' stops it short of '=': prefixed names
	// are attrList's). Lower-case letters sixteen at a time first, when
	// sixteen bytes are there (one test for both).
	LEAQ 1(AX), R11
	LEAQ 17(AX), R13
	CMPQ R13, BX
	JHI nameshort
	MOVBLZX (SI)(R11*1), R12
	MOVBLZX (DX)(R12*1), R12
	ANDL $0x11, R12 // cNameStart|cColon
	CMPL R12, $1
	JNE bail
	MOVOU (SI)(R11*1), X0
	PSUBB X11, X0
	MOVO X0, X5
	PMINUB X12, X5
	PCMPEQB X0, X5
	PMOVMSKB X5, R12
	NOTL R12
	BSFL R12, R12
	ADDQ R11, R12
	JMP namebyte

nameshort:
	CMPQ R11, BX
	JCC bail
	MOVBLZX (SI)(R11*1), R12
	MOVBLZX (DX)(R12*1), R12
	ANDL $0x11, R12
	CMPL R12, $1
	JNE bail
	MOVQ R11, R12

name:
	INCQ R12

namebyte:
	CMPQ R12, BX
	JCC bail
	CMPB (SI)(R12*1), $0x3d // '=', the usual end: no class lookup
	JEQ named
	MOVBLZX (SI)(R12*1), R13
	MOVBLZX (DX)(R13*1), R13
	ANDL $0x12, R13 // cName|cColon
	CMPL R13, $2
	JEQ name
	JMP xmlprefix

named:
	MOVQ R12, R13
	SUBQ R11, R13 // the name's length
	MOVQ X15, R14
	CMPQ R13, R14
	JGT bail
	MOVQ X14, R14
	CMPQ CX, R14
	JGE bail

	// The filter bit, (first byte + length*4) mod 64: BTQ takes the
	// index mod 64, and a byte add keeps it mod 256.
	MOVL R13, AX
	SHLL $2, AX
	ADDB (SI)(R11*1), AX
	BTQ AX, R8
	JCS bailAttr

	// The value from R12 = vs, sixteen bytes at a time while a block
	// fits, to the first byte that is not plain.
	ADDQ $2, R12
	LEAQ 16(R12), R13
	CMPQ R13, BX
	JHI bailAttr
	MOVBLZX -1(SI)(R12*1), R13
	CMPB R13, $0x27
	JEQ quoted
	CMPB R13, $0x22
	JNE bailAttr

quoted:
	// The quote in every byte of X4 (and Y4).
	CMPB ·useAVX2(SB), $0
	JEQ quoted16
	VPBROADCASTB -1(SI)(R12*1), Y4
	MOVQ R12, R13
	LEAQ 32(R12), R14
	CMPQ R14, BX
	JLS value32
	JMP value

quoted16:
	MOVO X8, X4
	CMPB R13, $0x27
	JEQ quoted16s
	MOVO X9, X4

quoted16s:
	MOVQ R12, R13

value:
	MOVOU (SI)(R13*1), X0
	STOPS16(X4, R14)
	TESTL R14, R14
	JNE found
	ADDQ $16, R13
	LEAQ 16(R13), R14
	CMPQ R14, BX
	JLS value
	JMP bailAttr

found:
	BSFL R14, R14
	ADDQ R14, R13 // ve
	MOVBLZX (SI)(R13*1), R14
	CMPB R14, -1(SI)(R12*1) // the quote that opened it?
	JEQ vend
	CMPL R14, $0x26 // '&'
	JEQ vref
	CMPL R14, $0x0a
	JEQ vws
	CMPL R14, $0x09
	JEQ vws
	CMPL R14, $0x80
	JCS bailAttr
	CALL utf8Skip<>(SB) // non-ASCII: on to the next ASCII byte
	CMPQ R13, BX
	JCC bailAttr
	CMPB (SI)(R13*1), $0x80
	JCC bailAttr

vnext:
	// Thirty-two bytes at a time with AVX2 while a block fits, then
	// sixteen: the same stops and the same end as sixteen alone.
	CMPB ·useAVX2(SB), $0
	JEQ vmore
	LEAQ 32(R13), R14
	CMPQ R14, BX
	JHI vmore

value32:
	VMOVDQU (SI)(R13*1), Y0
	STOPS32(Y4, R14)
	TESTL R14, R14
	JNE found
	ADDQ $32, R13
	LEAQ 32(R13), R14
	CMPQ R14, BX
	JLS value32

vmore:
	LEAQ 16(R13), R14
	CMPQ R14, BX
	JLS value
	JMP bailAttr

vref:
	CALL refSkip<>(SB)
	TESTL R14, R14
	JEQ bailAttr
	ORL $0x100, R9 // fRefs, for this attribute
	JMP vnext

vws:
	ORL $0x400, R9 // fWS, for this attribute
	INCQ R13
	JMP vnext

vend:

	// The attribute: attrs[k] = attr{start, vstart, vend, qlen}.
	BTSQ AX, R8
	MOVQ CX, R14
	SHLQ $5, R14
	ADDQ DI, R14
	MOVL R11, 0(R14)
	MOVL R12, 4(R14)
	MOVL R13, 8(R14)
	MOVOU X10, 16(R14)
	MOVL R9, AX
	SHRL $8, AX
	MOVB AX, 16(R14) // flags (fRefs, fWS)
	LEAQ -2(R12), R12
	SUBQ R11, R12
	MOVW R12, 12(R14) // qlen (at most MaxNameLen, so 16 bits)
	MOVW $0, 14(R14) // plen
	TESTL $0x10000, R9
	JEQ unprefixed
	MOVW $3, 14(R14) // "xml:": plen 3, ns nsRef{n: len(nsXML), src: srcXML}
	MOVL $36, 24(R14)
	MOVB $3, 28(R14)
	ORL $2, R9 // tagPrefixed

unprefixed:
	// A default namespace declaration: "xmlns=" in the six bytes from
	// the name (eight are in buf: the value's block is). Without a
	// branch, which attribute lengths would make unpredictable.
	ANDL $0xff, R9
	MOVQ (SI)(R11*1), R14
	SHLQ $16, R14
	MOVQ $0x3d736e6c6d780000, AX // "xmlns=" in the top six bytes
	CMPQ R14, AX
	MOVL $0, AX // (MOV leaves the flags alone)
	SETEQ AX
	CMOVQEQ CX, R10
	ORL AX, R9 // tagXmlns

appended:
	INCQ CX
	LEAQ 1(R13), AX
	JMP next

xmlprefix:
	// "xml:" and a local name (xml:lang): the one prefix bound without a
	// declaration, and only ever to the XML namespace (lookupPrefix).
	// R9's bit 16 marks it for the commit. Any other colon is attrList's.
	CMPB (SI)(R12*1), $0x3a // ':'
	JNE bail
	MOVQ R12, R13
	SUBQ R11, R13
	CMPQ R13, $3
	JNE bail
	MOVWLZX (SI)(R11*1), R13
	CMPL R13, $0x6d78 // "xm"
	JNE bail
	CMPB 2(SI)(R11*1), $0x6c // 'l'
	JNE bail
	INCQ R12
	CMPQ R12, BX
	JCC bail
	MOVBLZX (SI)(R12*1), R13
	MOVBLZX (DX)(R13*1), R13
	ANDL $0x12, R13 // cName|cColon
	CMPL R13, $2
	JNE bail
	ORL $0x10000, R9
	JMP name

notspace:
	CMPB R12, $0x3e // '>'
	JEQ gt
	CMPB R12, $0x2f // '/'
	JNE bail
	LEAQ 1(AX), R12
	CMPQ R12, BX
	JCC bail
	CMPB (SI)(R12*1), $0x3e
	JNE bail
	ADDQ $2, AX
	ORL $4, R9 // alEmpty
	MOVL $1, R12
	RET

gt:
	INCQ AX
	MOVL $1, R12
	RET

bailAttr:
	LEAQ -1(R11), AX

bail:
	XORL R12, R12
	RET

// func attrFast(buf []byte, i int, attrs []attr, limit, maxName int, r *attrRun) bool
TEXT ·attrFast(SB), NOSPLIT, $0-81
	MOVQ buf_base+0(FP), SI
	MOVQ buf_len+8(FP), BX
	MOVQ i+24(FP), AX
	MOVQ attrs_base+32(FP), DI
	MOVQ attrs_len+40(FP), CX
	LEAQ ·class(SB), DX
	MOVQ r+72(FP), R12
	MOVQ 16(R12), R8
	MOVBLZX 32(R12), R9
	MOVQ 24(R12), R10
	MOVQ limit+56(FP), R12
	MOVQ R12, X14
	MOVQ maxName+64(FP), R12
	MOVQ R12, X15
	LOADCONSTS
	CMPB ·useAVX2(SB), $0
	JEQ afcall
	STOPCONSTS32

afcall:
	CALL attrLoop<>(SB)
	CMPB ·useAVX2(SB), $0
	JEQ afout
	VZEROUPPER

afout:
	MOVB R12, ret+80(FP)
	MOVQ r+72(FP), R12
	MOVQ AX, 0(R12)
	MOVQ CX, 8(R12)
	MOVQ R8, 16(R12)
	MOVQ R10, 24(R12)
	MOVB R9, 32(R12)
	RET

// func tagFast(buf []byte, pos int, t *tape, def *nsRef, lim *limits) (end, how int)
//
// scanFast's loop over tags and character data for the plain case, from
// the '<' at buf[pos]. See tagFast in fast.go for what it takes and where
// it stops. The registers: SI buf, BX len(buf), AX pos, DI t, DX the class
// table, X13 ']', X15 MaxNameLen, the LOADCONSTS vectors; the rest are
// scratch, and the other limits and the tag being read are in the frame.
// With useAVX2, Y1-Y3 and Y13 hold the constants in all 32 bytes, and the
// upper halves are cleared (VZEROUPPER) before returning.
TEXT ·tagFast(SB), NOSPLIT, $64-72
	MOVQ buf_base+0(FP), SI
	MOVQ buf_len+8(FP), BX
	MOVQ pos+24(FP), AX
	MOVQ t+32(FP), DI
	LEAQ ·class(SB), DX
	MOVQ lim+48(FP), R12
	MOVLQSX 20(R12), R13
	MOVQ R13, maxNodes-16(SP)
	MOVLQSX 12(R12), R13
	MOVQ R13, maxAttrs-24(SP)
	MOVLQSX 16(R12), R13
	MOVQ R13, X15

	// Room on the tape: the depth and node limits, and the open
	// stack's and the tokens' capacity (growing is scanFast's), are each
	// one bound here, fixed while tagFast runs.
	MOVLQSX 8(R12), R13
	MOVQ 88(DI), R14
	CMPQ R13, R14
	CMOVQGT R14, R13
	MOVQ R13, openLim-8(SP) // min(MaxDepth, cap(t.open))
	MOVQ maxNodes-16(SP), R13
	MOVQ 16(DI), R14
	CMPQ R13, R14
	CMOVQGT R14, R13
	MOVQ R13, tokLim-56(SP) // min(MaxNodes, cap(t.toks))
	LOADCONSTS
	MOVOU fastRB<>(SB), X13
	CMPB ·useAVX2(SB), $0
	JEQ tag
	STOPCONSTS32
	VPBROADCASTB fastRB<>(SB), Y13

tag:
	// AX is at a '<'.
	LEAQ 1(AX), R11
	CMPQ R11, BX
	JCC bailLT
	MOVBLZX (SI)(R11*1), R12
	CMPB R12, $0x2f // '/'
	JEQ endtag

	// A start tag: its name from R11, as in attrLoop. Names with a ':'
	// and non-ASCII names are left to scanFast.
	MOVBLZX (DX)(R12*1), R12
	ANDL $0x11, R12 // cNameStart|cColon
	CMPL R12, $1
	JNE bailLT
	MOVQ R11, R12
	LEAQ 16(R11), R13
	CMPQ R13, BX
	JHI tname
	MOVOU (SI)(R11*1), X0
	PSUBB X11, X0
	MOVO X0, X5
	PMINUB X12, X5
	PCMPEQB X0, X5
	PMOVMSKB X5, R12
	NOTL R12
	BSFL R12, R12
	ADDQ R11, R12
	JMP tnamebyte

tname:
	INCQ R12

tnamebyte:
	CMPQ R12, BX
	JCC bailLT
	MOVBLZX (SI)(R12*1), R13
	MOVBLZX (DX)(R13*1), R13
	ANDL $0x12, R13 // cName|cColon
	CMPL R13, $2
	JEQ tname
	MOVQ R12, R13
	SUBQ R11, R13 // the name's length
	MOVQ X15, R14
	CMPQ R13, R14
	JGT bailLT
	MOVQ R13, qlen-48(SP)

	// Room for it.
	MOVQ 80(DI), R13 // len(t.open)
	CMPQ R13, openLim-8(SP)
	JGE bailLT
	MOVQ 8(DI), R13 // len(t.toks)
	CMPQ R13, tokLim-56(SP)
	JGE bailLT
	MOVQ AX, tagpos-32(SP)
	MOVQ 32(DI), CX // len(t.attrs)
	MOVQ CX, firstAttr-40(SP)
	XORL R9, R9
	MOVQ R12, AX
	CMPB (SI)(AX*1), $0x3e // '>': no attributes
	JNE tattrs
	INCQ AX
	JMP tagend

tattrs:
	// The attributes (or "/>"): attrLoop, up to min(k+MaxAttrs,
	// MaxNodes, cap(t.attrs)), with the tape's attributes in DI.
	MOVQ maxAttrs-24(SP), R13
	ADDQ CX, R13
	MOVQ maxNodes-16(SP), R14
	CMPQ R13, R14
	CMOVQGT R14, R13
	MOVQ 40(DI), R14
	CMPQ R13, R14
	CMOVQGT R14, R13
	MOVQ R13, X14
	XORL R8, R8
	XORL R10, R10
	MOVQ 24(DI), DI
	CALL attrLoop<>(SB)
	MOVQ t+32(FP), DI
	TESTL R12, R12
	JEQ bailTag

tagend:
	// AX is past the tag, CX the attribute count, R9 its flags. A
	// default namespace declaration is applied here unless its value is
	// empty, needs decoding, or is as long as a reserved namespace
	// (plainDefaultNS: those are finishStartTag's), and it needs a slot
	// on t.ns unless the element is empty.
	TESTL $1, R9
	JEQ tcommit
	MOVQ R10, R12
	SHLQ $5, R12
	ADDQ 24(DI), R12 // &t.attrs[xmlnsAt]
	CMPB 16(R12), $0 // its flags: a value to decode is finishStartTag's
	JNE bailTag
	MOVL 8(R12), R13
	SUBL 4(R12), R13 // the value's length
	JEQ bailTag
	CMPL R13, $36 // len(nsXML)
	JEQ bailTag
	CMPL R13, $29 // len(nsXMLNS)
	JEQ bailTag
	TESTL $4, R9
	JNE tcommit
	MOVQ 56(DI), R14
	CMPQ R14, 64(DI)
	JEQ bailTag

tcommit:
	// Nothing fails from here. The element's token: t.toks[cur] =
	// tok{start, end, inner, next, attr, nattr, qlen, kind: tkElem, ns}.
	MOVQ CX, 32(DI)
	MOVQ 8(DI), R14 // cur
	LEAQ (R14)(R14*4), R11
	SHLQ $3, R11
	ADDQ 0(DI), R11 // &t.toks[cur]
	MOVQ tagpos-32(SP), R8
	MOVL R8, 0(R11)
	MOVL AX, 8(R11)
	MOVQ firstAttr-40(SP), R8
	MOVL R8, 16(R11)
	SUBQ R8, CX
	MOVW CX, 20(R11)
	MOVQ qlen-48(SP), R8
	MOVW R8, 22(R11)
	MOVL $0x00010000, 24(R11) // plen 0, kind tkElem, flags 0
	LEAQ 1(R14), R8
	MOVQ R8, 8(DI)
	MOVL $0, 4(R11)
	MOVL $0, 12(R11)
	TESTL $4, R9
	JEQ tns
	MOVL AX, 4(R11) // empty: end, and next past itself
	MOVL R8, 12(R11)

tns:
	MOVQ def+40(FP), R8
	TESTL $1, R9
	JNE txmlns

	// The default namespace in scope.
	MOVQ 0(R8), R13
	MOVQ R13, 28(R11)
	MOVL 8(R8), R13
	MOVL R13, 36(R11)
	TESTL $4, R9
	JNE tclosed
	MOVQ 80(DI), R13 // push openElt{cur, len(t.ns), *def}
	LEAQ (R13)(R13*4), R10
	SHLQ $2, R10
	ADDQ 72(DI), R10
	MOVL R14, 0(R10)
	MOVQ 56(DI), CX
	MOVL CX, 4(R10)
	MOVQ 0(R8), CX
	MOVQ CX, 8(R10)
	MOVL 8(R8), CX
	MOVL CX, 16(R10)
	INCQ R13
	MOVQ R13, 80(DI)
	JMP text

txmlns:
	// Its own: uri = nsRef{a.vstart, length, srcItem}, and a.decl = 1.
	// The uri's offset and length go as one word (R13) wherever they
	// are stored, as they are loaded: a load spanning two smaller stores
	// cannot take its value from them while they are in flight.
	MOVB $1, 17(R12)
	MOVL 4(R12), CX
	SHLQ $32, R13
	ORQ CX, R13
	MOVQ R13, 28(R11)
	MOVL $1, 36(R11)
	TESTL $4, R9
	JNE tclosed
	MOVQ 80(DI), R10 // push openElt{cur, len(t.ns), *def}
	LEAQ (R10)(R10*4), R11
	SHLQ $2, R11
	ADDQ 72(DI), R11
	MOVL R14, 0(R11)
	MOVQ 56(DI), CX
	MOVL CX, 4(R11)
	MOVQ 0(R8), R14
	MOVQ R14, 8(R11)
	MOVL 8(R8), R14
	MOVL R14, 16(R11)
	INCQ R10
	MOVQ R10, 80(DI)
	LEAQ (CX)(CX*4), R11 // t.ns[len] = nsDecl{isDef: true, uri}
	SHLQ $2, R11
	ADDQ 48(DI), R11
	MOVQ $0x0001000000000000, R14
	MOVQ R14, 0(R11)
	MOVQ R13, 8(R11)
	MOVL $1, 16(R11)
	INCQ CX
	MOVQ CX, 56(DI)
	MOVQ R13, 0(R8) // *def = uri
	MOVL $1, 8(R8)
	JMP text

tclosed:
	// An empty element: the item ends with it if it is the outermost.
	CMPQ 80(DI), $0
	JEQ done
	JMP text

endtag:
	// An end tag: it must name the innermost open element, with '>'
	// straight after the name (spaces before it are scanFast's).
	MOVQ 80(DI), R12 // len(t.open)
	TESTQ R12, R12
	JEQ bailLT
	DECQ R12
	LEAQ (R12)(R12*4), R13
	SHLQ $2, R13
	ADDQ 72(DI), R13 // &t.open[len-1]
	MOVL 0(R13), R14
	LEAQ (R14)(R14*4), R14
	SHLQ $3, R14
	ADDQ 0(DI), R14 // its token
	MOVWLZX 22(R14), R8 // qlen
	MOVL 0(R14), R9
	INCQ R9 // the start tag's name
	LEAQ 2(AX), R10 // this one's
	LEAQ (R10)(R8*1), R11
	CMPQ R11, BX
	JCC bailLT
	CMPB (SI)(R11*1), $0x3e
	JNE bailLT
	CMPQ R8, $8
	JCS eshort

eword:
	// Eight bytes at a time, the last eight overlapping.
	CMPQ R8, $8
	JLS elast
	MOVQ (SI)(R9*1), CX
	CMPQ CX, (SI)(R10*1)
	JNE bailLT
	ADDQ $8, R9
	ADDQ $8, R10
	SUBQ $8, R8
	JMP eword

elast:
	LEAQ -8(R9)(R8*1), R9
	LEAQ -8(R10)(R8*1), R10
	MOVQ (SI)(R9*1), CX
	CMPQ CX, (SI)(R10*1)
	JNE bailLT
	JMP ematch

eshort:
	// Under eight bytes: one word from each, the bytes past the name
	// shifted out. The start tag's name is before this one's, so eight
	// bytes from this one's in buf means eight from both.
	LEAQ 8(R10), CX
	CMPQ CX, BX
	JHI bailLT
	MOVQ (SI)(R9*1), R9
	XORQ (SI)(R10*1), R9
	MOVL $64, CX
	SHLL $3, R8
	SUBL R8, CX
	SHLQ CX, R9
	TESTQ R9, R9
	JNE bailLT

ematch:
	// Close it: pop t.open, t.ns back to its length, *def back to the
	// namespace outside it, and the token's end and next.
	LEAQ 1(R11), AX
	MOVQ R12, 80(DI)
	MOVL 4(R13), R8
	MOVQ R8, 56(DI)
	MOVQ def+40(FP), R8
	MOVQ 8(R13), R9
	MOVQ R9, 0(R8)
	MOVL 16(R13), R9
	MOVL R9, 8(R8)
	MOVL AX, 4(R14)
	MOVQ 8(DI), R9
	MOVL R9, 12(R14)
	TESTQ R12, R12
	JEQ done

text:
	// Character data from AX to the next '<': plain ASCII, TAB and LF
	// (fWS), references (fRefs) and non-ASCII characters, sixteen bytes
	// at a time while a block fits. Anything else (CR, ']', what is cut
	// by the end of buf) is scanFast's, from the start of the text.
	CMPQ AX, BX
	JCC bailText
	CMPB (SI)(AX*1), $0x3c
	JEQ tag
	XORL R9, R9
	MOVQ AX, R13

tnext:
	// Thirty-two bytes at a time with AVX2 while a block fits, then
	// sixteen, as in attrLoop.
	CMPB ·useAVX2(SB), $0
	JEQ tblock
	LEAQ 32(R13), R14
	CMPQ R14, BX
	JHI tblock

tblock32:
	VMOVDQU (SI)(R13*1), Y0
	STOPS32(Y13, R14)
	TESTL R14, R14
	JNE tstop
	ADDQ $32, R13
	LEAQ 32(R13), R14
	CMPQ R14, BX
	JLS tblock32

tblock:
	LEAQ 16(R13), R14
	CMPQ R14, BX
	JHI bailText
	MOVOU (SI)(R13*1), X0
	STOPS16(X13, R14)
	TESTL R14, R14
	JNE tstop
	ADDQ $16, R13
	JMP tblock

tstop:
	BSFL R14, R14
	ADDQ R14, R13
	MOVBLZX (SI)(R13*1), R14
	CMPB R14, $0x3c
	JEQ ttok
	CMPB R14, $0x0a
	JEQ tws
	CMPB R14, $0x09
	JEQ tws
	CMPB R14, $0x26 // '&'
	JEQ tref
	CMPL R14, $0x80
	JCS bailText
	CALL utf8Skip<>(SB) // non-ASCII: on to the next ASCII byte
	CMPQ R13, BX
	JCC bailText
	CMPB (SI)(R13*1), $0x80
	JCC bailText
	JMP tnext

tws:
	ORL $4, R9 // fWS
	INCQ R13
	JMP tnext

tref:
	CALL refSkip<>(SB)
	TESTL R14, R14
	JEQ bailText
	ORL $1, R9 // fRefs
	JMP tnext

ttok:
	// t.toks[k] = tok{start, end, next: k+1, kind: tkText, flags}.
	MOVQ 8(DI), R14
	CMPQ R14, tokLim-56(SP)
	JGE bailText
	LEAQ (R14)(R14*4), R11
	SHLQ $3, R11
	ADDQ 0(DI), R11
	MOVL AX, 0(R11)
	MOVL R13, 4(R11)
	MOVL $0, 8(R11)
	INCQ R14
	MOVL R14, 12(R11)
	MOVOU X10, 16(R11)
	MOVQ $0, 32(R11)
	MOVB $2, 26(R11)
	MOVB R9, 27(R11)
	MOVQ R14, 8(DI)
	MOVQ R13, AX
	JMP tag

done:
	MOVQ $2, how+64(FP)
	JMP out

bailText:
	MOVQ $1, how+64(FP)
	JMP out

bailTag:
	MOVQ tagpos-32(SP), AX

bailLT:
	MOVQ $0, how+64(FP)

out:
	MOVQ AX, end+56(FP)
	CMPB ·useAVX2(SB), $0
	JEQ ret
	VZEROUPPER

ret:
	RET

DATA fastSQ<>+0(SB)/8, $0x2727272727272727
DATA fastSQ<>+8(SB)/8, $0x2727272727272727
GLOBL fastSQ<>(SB), RODATA|NOPTR, $16

DATA fastDQ<>+0(SB)/8, $0x2222222222222222
DATA fastDQ<>+8(SB)/8, $0x2222222222222222
GLOBL fastDQ<>(SB), RODATA|NOPTR, $16

DATA fastRB<>+0(SB)/8, $0x5d5d5d5d5d5d5d5d
DATA fastRB<>+8(SB)/8, $0x5d5d5d5d5d5d5d5d
GLOBL fastRB<>(SB), RODATA|NOPTR, $16

DATA fastLowA<>+0(SB)/8, $0x6161616161616161
DATA fastLowA<>+8(SB)/8, $0x6161616161616161
GLOBL fastLowA<>(SB), RODATA|NOPTR, $16

DATA fastLow25<>+0(SB)/8, $0x1919191919191919
DATA fastLow25<>+8(SB)/8, $0x1919191919191919
GLOBL fastLow25<>(SB), RODATA|NOPTR, $16
