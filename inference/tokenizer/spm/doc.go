// Package spm reads SentencePiece's precompiled normalization charsmap
// (the "precompiled_charsmap" of a Hugging Face "Precompiled" normalizer,
// which T5 and other SentencePiece tokenizers use) and applies it.
package spm
