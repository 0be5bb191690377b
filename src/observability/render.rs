//! Streaming helpers the renderers share: output gathered in 64 KiB pieces, and blocks of text
//! rendered once per shared label set instead of once per point.

use std::io::{self, Write};

const CHUNK: usize = 64 * 1024;

/// Bytes gathered in memory and handed to the writer in 64 KiB pieces, so a renderer can push
/// small slices without a call into the writer for each.
pub struct Chunked<'w, W: Write> {
    out: &'w mut W,
    pub buf: Vec<u8>,
}

impl<'w, W: Write> Chunked<'w, W> {
    pub fn new(out: &'w mut W) -> Self {
        Chunked {
            out,
            buf: Vec::with_capacity(CHUNK + 4096),
        }
    }

    /// Hands the gathered bytes over once there are enough of them.
    pub fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    pub fn finish(self) -> io::Result<()> {
        self.out.write_all(&self.buf)
    }
}

/// The last block rendered and the key it was rendered for. Points share their label sets
/// through `Arc`, so the sets' addresses are the key: a run of points with the same sets
/// renders the block once.
pub struct BlockCache<K> {
    key: Option<K>,
    block: Vec<u8>,
}

impl<K: PartialEq + Copy> BlockCache<K> {
    pub fn new() -> Self {
        BlockCache {
            key: None,
            block: Vec::new(),
        }
    }

    /// Appends the block for `key` to `buf`, rendering it first when the key changed.
    pub fn write(&mut self, key: K, buf: &mut Vec<u8>, render: impl FnOnce(&mut Vec<u8>)) {
        if self.key != Some(key) {
            self.block.clear();
            render(&mut self.block);
            self.key = Some(key);
        }
        buf.extend_from_slice(&self.block);
    }
}

impl<K: PartialEq + Copy> Default for BlockCache<K> {
    fn default() -> Self {
        Self::new()
    }
}
