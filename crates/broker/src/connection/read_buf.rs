//! The read buffer of a connection: sized to the traffic, so an idle
//! connection holds no buffer at all and a busy one reads in large chunks.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::BytesMut;
use tokio::io::AsyncRead;

/// Smallest read. A connection reading no more than this per read (an idle
/// one: a PINGREQ now and then) reads into the stack and keeps no buffer
/// between reads; a busy one grows its reads by doubling within a few packets.
const MIN_READ: usize = 64;
/// Largest read a busy connection grows to.
const MAX_READ: usize = 64 * 1024;

/// Bytes read and not yet decoded, and the size of the next read.
#[derive(Debug)]
pub(super) struct ReadBuf {
    /// Bytes read, not yet decoded.
    pub(super) buf: BytesMut,
    chunk: usize,
}

impl ReadBuf {
    pub(super) fn new() -> Self {
        Self {
            buf: BytesMut::new(),
            chunk: MIN_READ,
        }
    }

    /// Makes room for the next read. Once everything read has been decoded, a
    /// buffer grown for a burst is let go, and a small one too: the next
    /// small read goes through the stack.
    pub(super) fn prepare(&mut self) {
        if self.buf.is_empty() {
            if self.chunk == MIN_READ {
                // Even with no spare capacity left, the buffer may still hold
                // its allocation (the bytes already decoded and split off).
                self.buf = BytesMut::new();
                return;
            }
            if self.buf.capacity() > 2 * self.chunk {
                self.buf = BytesMut::new();
            }
        }
        self.buf.reserve(self.chunk);
    }

    /// Reads once from `stream`: the number of bytes read, 0 at end of stream.
    /// Without a buffer (see [`ReadBuf::prepare`]) the bytes are read into
    /// the stack and only what arrived is allocated.
    pub(super) fn poll_read<S>(
        &mut self,
        cx: &mut Context<'_>,
        stream: &mut S,
    ) -> Poll<io::Result<usize>>
    where
        S: AsyncRead + Unpin,
    {
        let n = if self.buf.capacity() == 0 {
            let mut stack = [0u8; MIN_READ];
            let mut read = tokio::io::ReadBuf::new(&mut stack);
            match Pin::new(stream).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) => {}
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
            self.buf.extend_from_slice(read.filled());
            read.filled().len()
        } else {
            let read = std::pin::pin!(tokio::io::AsyncReadExt::read_buf(stream, &mut self.buf));
            match std::future::Future::poll(read, cx) {
                Poll::Ready(Ok(n)) => n,
                other => return other,
            }
        };
        self.after_read(n);
        Poll::Ready(Ok(n))
    }

    /// Reads once from `stream` (see [`ReadBuf::poll_read`]).
    pub(super) async fn read<S>(&mut self, stream: &mut S) -> io::Result<usize>
    where
        S: AsyncRead + Unpin,
    {
        std::future::poll_fn(|cx| self.poll_read(cx, stream)).await
    }

    /// Adapts the read size to what the last read brought.
    fn after_read(&mut self, n: usize) {
        if n >= self.chunk {
            self.chunk = (self.chunk * 2).min(MAX_READ);
        } else if n < self.chunk / 8 {
            self.chunk = (self.chunk / 2).max(MIN_READ);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_reads_keep_no_buffer_and_busy_reads_grow() {
        let (mut tx, mut rx) = tokio::io::duplex(1 << 20);
        let mut rbuf = ReadBuf::new();
        // Small reads: through the stack, no buffer kept once decoded.
        tokio::io::AsyncWriteExt::write_all(&mut tx, &[0xC0, 0x00])
            .await
            .unwrap();
        rbuf.prepare();
        assert_eq!(rbuf.buf.capacity(), 0);
        assert_eq!(rbuf.read(&mut rx).await.unwrap(), 2);
        assert_eq!(&rbuf.buf[..], &[0xC0, 0x00]);
        rbuf.buf.clear();
        rbuf.prepare();
        assert_eq!(rbuf.buf.capacity(), 0);
        // Full reads double the next one, up to MAX_READ.
        tokio::io::AsyncWriteExt::write_all(&mut tx, &vec![7u8; 256 * 1024])
            .await
            .unwrap();
        let mut total = 0;
        let mut largest = 0;
        while total < 256 * 1024 {
            rbuf.prepare();
            let n = rbuf.read(&mut rx).await.unwrap();
            largest = largest.max(n);
            total += n;
            rbuf.buf.clear();
        }
        assert!(largest > MIN_READ, "reads grew: largest {largest}");
        assert!(largest <= MAX_READ);
        // End of stream reads 0.
        drop(tx);
        rbuf.prepare();
        assert_eq!(rbuf.read(&mut rx).await.unwrap(), 0);
    }
}
