package org.jbypass.provider.select;

import java.util.AbstractSet;
import java.util.Collection;
import java.util.Iterator;
import java.util.Set;

/**
 * A view of a set that allows removal but not addition: what {@code Selector.selectedKeys()} returns (the JDK's
 * {@code Util.ungrowableSet} is internal).
 */
final class UngrowableSet<E> extends AbstractSet<E>
{
    private final Set<E> set;

    UngrowableSet(final Set<E> set)
    {
        this.set = set;
    }

    @Override
    public int size()
    {
        return set.size();
    }

    @Override
    public boolean isEmpty()
    {
        return set.isEmpty();
    }

    @Override
    public boolean contains(final Object o)
    {
        return set.contains(o);
    }

    @Override
    public Object[] toArray()
    {
        return set.toArray();
    }

    @Override
    public <T> T[] toArray(final T[] a)
    {
        return set.toArray(a);
    }

    @Override
    public Iterator<E> iterator()
    {
        return set.iterator();
    }

    @Override
    public boolean remove(final Object o)
    {
        return set.remove(o);
    }

    @Override
    public boolean removeAll(final Collection<?> c)
    {
        return set.removeAll(c);
    }

    @Override
    public boolean retainAll(final Collection<?> c)
    {
        return set.retainAll(c);
    }

    @Override
    public void clear()
    {
        set.clear();
    }

    @Override
    public boolean add(final E o)
    {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean addAll(final Collection<? extends E> c)
    {
        throw new UnsupportedOperationException();
    }
}
