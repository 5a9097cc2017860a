package io.corral.protocol.agent;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.Deserializers;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.google.protobuf.Message;
import io.corral.protocol.json.MesosJson;
import java.io.IOException;

/**
 * Lets Jackson records carry Mesos protobuf messages, written and read with the Mesos JSON rules of {@link MesosJson}.
 * Used by the agent protocol, whose envelopes are Corral's own but whose payloads are Mesos types.
 */
final class ProtobufJacksonModule extends SimpleModule {
    ProtobufJacksonModule() {
        super("mesos-protobuf");
        addSerializer(Message.class, new MessageSerializer());
    }

    @Override
    public void setupModule(SetupContext context) {
        super.setupModule(context);
        context.addDeserializers(new MessageDeserializers());
    }

    private static final class MessageSerializer extends StdSerializer<Message> {
        MessageSerializer() {
            super(Message.class);
        }

        @Override
        public void serialize(Message value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            MesosJson.write(gen, value); // straight to the generator: no tree in between
        }
    }

    private static final class MessageDeserializers extends Deserializers.Base {
        @Override
        public JsonDeserializer<?> findBeanDeserializer(
                JavaType type, DeserializationConfig config, BeanDescription beanDesc) {
            Class<?> raw = type.getRawClass();
            if (!Message.class.isAssignableFrom(raw)) {
                return null;
            }
            Message prototype = defaultInstance(raw);
            return new JsonDeserializer<Message>() {
                @Override
                public Message deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                    return MesosJson.merge(p, prototype.newBuilderForType()).build(); // token by token, no tree
                }
            };
        }

        /** Looked up once per type (Jackson keeps the deserializer): a reflective lookup per message was not free. */
        private static Message defaultInstance(Class<?> messageClass) {
            try {
                return (Message) messageClass.getMethod("getDefaultInstance").invoke(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("not a generated protobuf message: " + messageClass, e);
            }
        }
    }
}
