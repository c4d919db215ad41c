package org.jbypass.provider.it.apps;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/** A Netty 4.2 NIO echo server: {@code NettyEchoServer ADDRESS PORT}. Nothing jbypass-specific. */
public final class NettyEchoServer
{
    private NettyEchoServer()
    {
    }

    public static void main(final String[] args) throws InterruptedException
    {
        final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try
        {
            final Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(final SocketChannel ch)
                    {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter()
                        {
                            @Override
                            public void channelRead(final ChannelHandlerContext ctx, final Object msg)
                            {
                                ctx.write(msg);
                            }

                            @Override
                            public void channelReadComplete(final ChannelHandlerContext ctx)
                            {
                                ctx.flush();
                            }

                            @Override
                            public void exceptionCaught(final ChannelHandlerContext ctx, final Throwable cause)
                            {
                                cause.printStackTrace();
                                ctx.close();
                            }
                        });
                    }
                })
                .bind(args[0], Integer.parseInt(args[1])).sync().channel();
            System.out.println("netty listening on " + server.localAddress());
            System.out.flush();
            server.closeFuture().sync();
        }
        finally
        {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        }
    }
}
