// Package spm reads SentencePiece's precompiled normalization charsmap
// (the "precompiled_charsmap" of a Hugging Face "Precompiled" normalizer,
// which T5 and other SentencePiece tokenizers use) and applies it.
//
// Normalization mirrors HF tokenizers 0.23.3 (spm_precompiled 0.1.4): the
// text is cut into extended grapheme clusters; a cluster shorter than 6 bytes
// is replaced whole when the map knows it (by the shortest known prefix, as
// HF takes the first common-prefix match), otherwise each character is looked
// up alone. Grapheme clusters follow UAX #29 exactly as the unicode-segmentation
// 1.13.3 crate that HF uses computes them (Unicode 17.0.0, including GB9c
// Indic conjuncts, GB11 emoji ZWJ sequences and GB12/13 flag pairs), from
// generated property tables rather than the older tables of package unicode,
// so there is no approximation. Invalid UTF-8 (which HF never sees) is read as
// one U+FFFD per byte.
package spm
