package io.corral.cli;

import io.corral.zookeeper.ZkUrl;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Reads {@code zk://[user:password@]host:port,.../path} for picocli options, with ZkUrl's one-line errors. */
public final class ZkUrlConverter implements ITypeConverter<ZkUrl> {
    @Override
    public ZkUrl convert(String value) {
        try {
            return ZkUrl.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
