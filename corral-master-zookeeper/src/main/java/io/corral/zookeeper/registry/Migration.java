package io.corral.zookeeper.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One step in the history of the registry's document format: reads documents of format {@link #fromFormat()} and
 * returns them in format {@code fromFormat() + 1}. {@link RegistryCodec} chains the steps, so a document of any
 * earlier format is read by upgrading it one format at a time. A step that does not concern a kind of document
 * returns it unchanged; the codec sets the new {@code "format"} number.
 *
 * <p>To change the format: add the next migration to {@link RegistryCodec#MIGRATIONS}, change the codec's writer and
 * reader to the new format, and add fixtures of the new format under {@code registry-fixtures/format-N} (the
 * fixture test then checks every earlier format upgrades to it).
 *
 * <p>Implementations are stateless and thread-safe.
 */
public interface Migration {

    /** The format this step reads. */
    int fromFormat();

    /**
     * Upgrades one document.
     *
     * @param document a document of format {@link #fromFormat()}; the step may change it and return it
     * @throws RegistryFormatException if the document is not valid in format {@link #fromFormat()}
     */
    ObjectNode migrate(DocumentKind kind, ObjectNode document);
}
