package dev.lstmspark.training;

import java.util.Iterator;
import java.util.function.Function;

/** A lazy {@code map} over an iterator, so a partition's minibatches become DataSets one at a time. */
final class MappedIterator<A, B> implements Iterator<B> {
    private final Iterator<A> source;
    private final Function<A, B> mapping;

    MappedIterator(Iterator<A> source, Function<A, B> mapping) {
        this.source = source;
        this.mapping = mapping;
    }

    @Override
    public boolean hasNext() {
        return source.hasNext();
    }

    @Override
    public B next() {
        return mapping.apply(source.next());
    }
}
