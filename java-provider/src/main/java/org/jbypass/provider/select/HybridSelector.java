package org.jbypass.provider.select;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.IllegalBlockingModeException;
import java.nio.channels.IllegalSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One selector over stack channels and JDK channels together.
 *
 * <p>Its only blocking primitive is an inner JDK selector. Channels backed by the JDK register their platform
 * channel on it (the hybrid key is the inner key's attachment), and the JDK reports their readiness, translated as
 * it always is. Channels backed by the stack report readiness through their keys: the stack's listener calls
 * {@link HybridKey#readinessChanged()}, which queues the key on a {@link SignalQueue} and, if this selector is
 * waiting, wakes the inner selector once. Every change to the inner selector (registering a platform channel,
 * changing its interest) is made on the selecting thread, at the start of a selection operation, so other threads
 * never race the inner selector and a platform channel can switch to blocking mode as soon as its inner key is
 * cancelled.
 *
 * <p>Selection follows the JDK: keys cancelled before or during the operation are deregistered, the operation
 * returns the number of keys added to the selected-key set or whose ready set gained an operation, readiness is
 * level-triggered (a stack channel still ready is reported again), a wakeup before a selection makes it return at
 * once and {@code selectNow} clears it, an interrupt makes a blocked selection return, and a selection woken only by
 * a stack change that left nothing ready does not return 0 but waits again (Netty rebuilds a selector that returns
 * 0 early too often).
 *
 * <p>Locks, in order: this selector, then its selected-key set (as the JDK), then the cancelled-key set. A
 * channel's registration locks are taken before any of them (by {@code AbstractSelectableChannel.register}); the
 * stack lock is never held while any of them is taken, and none of them is held while the stack lock is taken.
 */
public final class HybridSelector extends AbstractSelector
{
    private final AbstractSelector inner;
    private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    private final Set<SelectionKey> selectedKeys = new HashSet<>();
    private final Set<SelectionKey> publicSelectedKeys = new UngrowableSet<>(selectedKeys);
    private final SignalQueue<HybridKey> signals = new SignalQueue<>();
    private volatile boolean wakeupRequested;
    private final StackPolling polling;

    // Selecting thread only (guarded by this selector's monitor).
    private boolean inSelect;
    private HybridKey[] readyList = new HybridKey[16];
    private int readyCount;
    private HybridKey[] innerKeys = new HybridKey[16];
    private int[] innerOps = new int[16];
    private int innerCount;
    /** Keys found ready in the current pass, counted or not: the JDK returns once epoll reports any. */
    private int readySeen;
    private final Consumer<SelectionKey> collectInner = this::collectInner;
    private final Consumer<HybridKey> reexamine = this::reexamine;
    private static final Consumer<SelectionKey> DISCARD = k -> { };

    /**
     * @param provider the provider this selector belongs to (ours)
     * @param inner    a selector of the JDK's provider; this selector owns and closes it
     */
    public HybridSelector(final SelectorProvider provider, final AbstractSelector inner)
    {
        this(provider, inner, StackPolling.NONE);
    }

    /**
     * @param provider the provider this selector belongs to (ours)
     * @param inner    a selector of the JDK's provider; this selector owns and closes it
     * @param polling  the stack a selection on stack keys alone drives before it blocks
     */
    public HybridSelector(final SelectorProvider provider, final AbstractSelector inner, final StackPolling polling)
    {
        super(provider);
        this.inner = inner;
        this.polling = polling;
    }

    @Override
    public Set<SelectionKey> keys()
    {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys()
    {
        ensureOpen();
        return publicSelectedKeys;
    }

    @Override
    public int selectNow() throws IOException
    {
        return lockAndDoSelect(null, 0);
    }

    @Override
    public int select(final long timeout) throws IOException
    {
        if (timeout < 0)
        {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndDoSelect(null, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select() throws IOException
    {
        return lockAndDoSelect(null, -1);
    }

    @Override
    public int select(final Consumer<SelectionKey> action, final long timeout) throws IOException
    {
        Objects.requireNonNull(action);
        if (timeout < 0)
        {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndDoSelect(action, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select(final Consumer<SelectionKey> action) throws IOException
    {
        Objects.requireNonNull(action);
        return lockAndDoSelect(action, -1);
    }

    @Override
    public int selectNow(final Consumer<SelectionKey> action) throws IOException
    {
        Objects.requireNonNull(action);
        return lockAndDoSelect(action, 0);
    }

    @Override
    public Selector wakeup()
    {
        wakeupRequested = true;
        inner.wakeup();
        return this;
    }

    @Override
    protected void implCloseSelector() throws IOException
    {
        wakeup();
        synchronized (this)
        {
            synchronized (publicSelectedKeys)
            {
                for (final SelectionKey k : keys)
                {
                    deregisterKey((HybridKey)k);
                }
                keys.clear();
                selectedKeys.clear();
                Arrays.fill(readyList, 0, readyCount, null);
                readyCount = 0;
                inner.close();
            }
        }
    }

    @Override
    protected SelectionKey register(final AbstractSelectableChannel channel, final int ops, final Object attachment)
    {
        if (!(channel instanceof HybridChannel))
        {
            throw new IllegalSelectorException();
        }
        ensureOpen();
        final HybridKey key = new HybridKey(this, channel);
        key.attach(attachment);
        keys.add(key);
        key.hybridChannel().keyRegistered(key);
        key.interestOps(ops);
        // Registration takes effect at the next selection operation, as with the JDK's selectors.
        keyChanged(key, false);
        if (!isOpen())
        {
            keys.remove(key);
            key.cancel();
            throw new ClosedSelectorException();
        }
        return key;
    }

    /** A key needs another look: its interest, its channel's backing or its stack readiness changed. */
    void keyChanged(final HybridKey key, final boolean wake)
    {
        if (signals.offer(key.node, wake))
        {
            inner.wakeup();
        }
    }

    private void ensureOpen()
    {
        if (!isOpen())
        {
            throw new ClosedSelectorException();
        }
    }

    private int lockAndDoSelect(final Consumer<SelectionKey> action, final long timeoutMillis) throws IOException
    {
        synchronized (this)
        {
            ensureOpen();
            if (inSelect)
            {
                throw new IllegalStateException("select in progress");
            }
            inSelect = true;
            try
            {
                synchronized (publicSelectedKeys)
                {
                    return doSelect(action, timeoutMillis);
                }
            }
            finally
            {
                inSelect = false;
            }
        }
    }

    /** @param timeoutMillis -1 to wait without limit, 0 not to wait, else the limit */
    private int doSelect(final Consumer<SelectionKey> action, final long timeoutMillis) throws IOException
    {
        final long deadline = timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : 0;
        if (timeoutMillis == 0)
        {
            // selectNow clears the effect of an earlier wakeup (Selector.selectNow); the inner one clears its own.
            wakeupRequested = false;
        }
        processDeregisterQueue();
        int updated = 0;
        boolean spun = false;
        try
        {
            while (true)
            {
                signals.arm();
                readySeen = 0;
                try
                {
                    signals.drain(reexamine);
                }
                catch (final UncheckedIOException e)
                {
                    throw e.getCause();
                }
                updated += reportStackReady(action);
                boolean block = timeoutMillis != 0 && readySeen == 0;
                if (block && wakeupRequested)
                {
                    wakeupRequested = false;
                    block = false;
                }
                final long remaining = block ? remainingMillis(deadline) : 0;
                if (block && remaining == 0)
                {
                    block = false;
                }
                if (block && !spun)
                {
                    spun = true;
                    if (!keys.isEmpty() && inner.keys().isEmpty() && spin(deadline))
                    {
                        // Look at what the spin found (or, having found nothing, arm and block): from the top.
                        continue;
                    }
                }
                innerCount = 0;
                if (block)
                {
                    if (remaining < 0)
                    {
                        inner.select(collectInner);
                    }
                    else
                    {
                        inner.select(collectInner, remaining);
                    }
                }
                else if (!inner.keys().isEmpty())
                {
                    // Only JDK channels need the inner selector when not waiting: with stack channels alone, a
                    // selection costs no system call. (A wakeup left pending in it only makes a later wait return
                    // early, which the loop below absorbs.)
                    inner.selectNow(collectInner);
                }
                processDeregisterQueue();
                updated += reportInnerReady(action);
                if (!block || readySeen > 0)
                {
                    break;
                }
                // We waited and nothing became ready. Return for a wakeup, an interrupt, a close or the timeout;
                // if a stack signal woke us, report what it made ready, and if it made nothing ready wait again
                // rather than return 0.
                if (wakeupRequested)
                {
                    wakeupRequested = false;
                    break;
                }
                if (Thread.currentThread().isInterrupted() || !isOpen() || remainingMillis(deadline) == 0)
                {
                    break;
                }
            }
        }
        finally
        {
            signals.disarm();
        }
        return updated;
    }

    /**
     * Before a selection over stack keys alone blocks: drives the stack for its busy-wait time (or until the
     * selection's deadline), until a stack key signals, a wakeup comes, the selector closes or the thread is
     * interrupted. The signal queue is disarmed meanwhile, so that keys becoming ready only queue themselves,
     * without waking the inner selector (a system call for the thread that made them ready); the caller arms it
     * again and drains it before it blocks, so no signal is lost. jcstress/BusySelectCloseTest checks it against
     * a close.
     *
     * @param deadline the selection's deadline on the nanoTime scale, 0 for none
     * @return whether it spun at all (the caller then starts its pass again)
     */
    private boolean spin(final long deadline)
    {
        final long budget = polling.busyWaitNanos();
        if (budget <= 0)
        {
            return false;
        }
        signals.disarm();
        final long start = System.nanoTime();
        final long end = deadline != 0 && deadline - (start + budget) < 0 ? deadline : start + budget;
        int turn = 0;
        polling.spinning(true);
        try
        {
            while (signals.isEmpty() && !wakeupRequested && isOpen() && !Thread.currentThread().isInterrupted()
                && System.nanoTime() - end < 0)
            {
                polling.poll(++turn);
                polling.pause();
            }
        }
        finally
        {
            polling.spinning(false);
        }
        return true;
    }

    /** -1 without deadline, else the milliseconds left rounded up, 0 when it has passed. */
    private static long remainingMillis(final long deadline)
    {
        if (deadline == 0)
        {
            return -1;
        }
        final long nanos = deadline - System.nanoTime();
        return nanos <= 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
    }

    /** Selecting thread: brings the inner registration in line with a key; lists the key if the stack says ready. */
    private void reexamine(final HybridKey key)
    {
        if (!key.isValid())
        {
            return;
        }
        final SelectorView channel = key.hybridChannel();
        final SelectableChannel platform = channel.platformChannel();
        if (platform != null)
        {
            syncInner(key, platform);
        }
        if (!key.inReadyList && (channel.stackReadyOps() & key.rawInterestOps()) != 0)
        {
            if (readyCount == readyList.length)
            {
                readyList = Arrays.copyOf(readyList, readyCount * 2);
            }
            readyList[readyCount++] = key;
            key.inReadyList = true;
        }
    }

    private void syncInner(final HybridKey key, final SelectableChannel platform)
    {
        final int ops = key.rawInterestOps();
        final SelectionKey current = key.inner;
        if (current != null && current.channel() == platform)
        {
            try
            {
                if (current.interestOps() != ops)
                {
                    current.interestOps(ops);
                }
                return;
            }
            catch (final CancelledKeyException e)
            {
                // Cancelled when the channel went to blocking mode and back: register again below.
            }
        }
        try
        {
            try
            {
                key.inner = platform.register(inner, ops, key);
            }
            catch (final CancelledKeyException e)
            {
                // The platform channel's old inner key is cancelled but not yet deregistered: a selection of the
                // inner selector deregisters it. The readiness it finds is level-triggered and reported again by
                // the next one, so dropping it here loses nothing.
                try
                {
                    inner.selectNow(DISCARD);
                }
                catch (final IOException io)
                {
                    throw new UncheckedIOException(io);
                }
                key.inner = platform.register(inner, ops, key);
            }
        }
        catch (final ClosedChannelException | IllegalBlockingModeException e)
        {
            // The channel is being closed (its keys are being cancelled) or was switched to blocking mode, which it
            // can only be once this key is cancelled: either way the key is on its way out.
        }
    }

    private void collectInner(final SelectionKey innerKey)
    {
        final Object attachment = innerKey.attachment();
        if (!(attachment instanceof HybridKey))
        {
            return;
        }
        if (innerCount == innerKeys.length)
        {
            innerKeys = Arrays.copyOf(innerKeys, innerCount * 2);
            innerOps = Arrays.copyOf(innerOps, innerCount * 2);
        }
        innerKeys[innerCount] = (HybridKey)attachment;
        innerOps[innerCount] = innerKey.readyOps();
        innerCount++;
    }

    private int reportInnerReady(final Consumer<SelectionKey> action)
    {
        int updated = 0;
        for (int i = 0; i < innerCount; i++)
        {
            final HybridKey key = innerKeys[i];
            innerKeys[i] = null;
            if (key.isValid())
            {
                final int ops = innerOps[i] & key.rawInterestOps();
                if (ops != 0)
                {
                    readySeen++;
                    updated += processReady(key, ops, action);
                }
            }
        }
        innerCount = 0;
        return updated;
    }

    private int reportStackReady(final Consumer<SelectionKey> action)
    {
        int updated = 0;
        int kept = 0;
        final int count = readyCount;
        for (int i = 0; i < count; i++)
        {
            final HybridKey key = readyList[i];
            readyList[i] = null;
            final int ops = key.isValid() ? key.hybridChannel().stackReadyOps() & key.rawInterestOps() : 0;
            if (ops == 0)
            {
                key.inReadyList = false;
                continue;
            }
            readyList[kept++] = key;
            readySeen++;
            updated += processReady(key, ops, action);
        }
        readyCount = kept;
        return updated;
    }

    /** The JDK's rules for the selected-key set and the count (SelectorImpl.processReadyEvents). */
    private int processReady(final HybridKey key, final int ops, final Consumer<SelectionKey> action)
    {
        if (action != null)
        {
            key.rawReadyOps(ops);
            action.accept(key);
            ensureOpen();
            return 1;
        }
        if (selectedKeys.contains(key))
        {
            final int old = key.rawReadyOps();
            key.rawReadyOps(old | ops);
            return (ops & ~old) != 0 ? 1 : 0;
        }
        key.rawReadyOps(ops);
        selectedKeys.add(key);
        return 1;
    }

    private void processDeregisterQueue()
    {
        final Set<SelectionKey> cancelled = cancelledKeys();
        synchronized (cancelled)
        {
            if (cancelled.isEmpty())
            {
                return;
            }
            for (final SelectionKey k : cancelled)
            {
                deregisterKey((HybridKey)k);
            }
            cancelled.clear();
        }
    }

    private void deregisterKey(final HybridKey key)
    {
        keys.remove(key);
        selectedKeys.remove(key);
        deregister(key);
        final SelectionKey innerKey = key.inner;
        if (innerKey != null)
        {
            innerKey.cancel();
            key.inner = null;
        }
        key.hybridChannel().keyDeregistered(key);
    }

    @Override
    public String toString()
    {
        return "HybridSelector{keys=" + keys.size() + ", inner=" + inner + '}';
    }
}
