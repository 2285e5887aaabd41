//! Connections that cannot stall the server: a client that stops sending while the server
//! waits for it (a request, an upload body, an idle keep-alive connection), or stops taking the
//! response (a download), is disconnected after the configured timeout. Dropping the
//! connection drops the request and response bodies, and with them the transfer's slot.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Sleep, sleep};

pub struct TimeoutListener {
    inner: TcpListener,
    read_timeout: Duration,
    write_timeout: Duration,
}

impl TimeoutListener {
    pub fn new(inner: TcpListener, read_timeout: Duration, write_timeout: Duration) -> Self {
        TimeoutListener {
            inner,
            read_timeout,
            write_timeout,
        }
    }
}

impl axum::serve::Listener for TimeoutListener {
    type Io = TimeoutStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = axum::serve::Listener::accept(&mut self.inner).await;
        (
            TimeoutStream {
                inner: stream,
                read_timeout: self.read_timeout,
                write_timeout: self.write_timeout,
                read_deadline: None,
                write_deadline: None,
            },
            addr,
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.inner.local_addr()
    }
}

/// A TCP stream whose reads and writes fail with `TimedOut` once they have waited longer
/// than their timeout. A read's clock also restarts whenever a write goes through: the HTTP
/// server keeps a read pending while it streams a response (to notice a client going away),
/// and a client taking a long download is not stalled. That read is pending while a handler
/// works too, so a handler silent for longer than the read timeout loses its connection: the
/// timeout must exceed the slowest handler (the default, two minutes, does).
pub struct TimeoutStream {
    inner: TcpStream,
    read_timeout: Duration,
    write_timeout: Duration,
    read_deadline: Option<Pin<Box<Sleep>>>,
    write_deadline: Option<Pin<Box<Sleep>>>,
}

/// `Ready(Err)` once the deadline (armed at the first wait) has passed.
fn check(
    deadline: &mut Option<Pin<Box<Sleep>>>,
    timeout: Duration,
    cx: &mut Context<'_>,
    what: &str,
) -> Poll<io::Error> {
    let sleeping = deadline.get_or_insert_with(|| Box::pin(sleep(timeout)));
    ready!(sleeping.as_mut().poll(cx));
    Poll::Ready(io::Error::new(
        io::ErrorKind::TimedOut,
        format!("the client {what} for {timeout:?}"),
    ))
}

impl AsyncRead for TimeoutStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.read_deadline = None;
                Poll::Ready(result)
            }
            Poll::Pending => check(
                &mut this.read_deadline,
                this.read_timeout,
                cx,
                "sent nothing",
            )
            .map(Err),
        }
    }
}

impl TimeoutStream {
    /// `sent`: whether bytes moved. The HTTP server flushes on every turn of its loop, and a
    /// flush with nothing to send must restart neither clock.
    fn wrote<T>(
        &mut self,
        result: Poll<io::Result<T>>,
        sent: bool,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<T>> {
        match result {
            Poll::Ready(result) => {
                if sent {
                    self.write_deadline = None;
                    self.read_deadline = None;
                }
                Poll::Ready(result)
            }
            Poll::Pending => check(
                &mut self.write_deadline,
                self.write_timeout,
                cx,
                "took nothing",
            )
            .map(Err),
        }
    }
}

impl AsyncWrite for TimeoutStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        let sent = matches!(result, Poll::Ready(Ok(n)) if n > 0);
        this.wrote(result, sent, cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        let sent = matches!(result, Poll::Ready(Ok(n)) if n > 0);
        this.wrote(result, sent, cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_flush(cx);
        this.wrote(result, false, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
