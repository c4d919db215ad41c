package org.jbypass.provider.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.jbypass.netstack.ip.NetInterface;
import org.jbypass.provider.config.BypassConfig;
import org.jbypass.provider.config.ConfigurationException;
import org.jbypass.provider.config.InterfaceConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code interface.NAME.gro}: software GRO is on unless the key turns it off, and the engine applies it. */
class GroSettingTest
{
    @TempDir
    Path dir;

    private BypassConfig load(final String... lines) throws Exception
    {
        final Path file = dir.resolve("jbypass.properties");
        Files.writeString(file, String.join("\n", lines), StandardCharsets.ISO_8859_1);
        return BypassConfig.load(file);
    }

    @Test
    void shouldTurnSoftwareGroOffPerInterface() throws Exception
    {
        final BypassConfig config = load(
            "interface.on.driver = memory",
            "interface.on.host-if = gro-setting-a",
            "interface.on.address = 198.18.0.1/24",
            "interface.off.driver = memory",
            "interface.off.host-if = gro-setting-b",
            "interface.off.address = 198.19.0.1/24",
            "interface.off.gro = false");
        assertTrue(config.interfaceNamed("on").booleanOption(InterfaceConfig.GRO, true));
        assertFalse(config.interfaceNamed("off").booleanOption(InterfaceConfig.GRO, true));
        final StackEngine engine = StackEngine.start(config, new Drivers());
        try
        {
            final Map<String, Boolean> gro = new HashMap<>();
            for (final NetInterface nif : engine.stack().interfaces())
            {
                gro.put(nif.name(), nif.gro());
            }
            assertEquals(Map.of("on", true, "off", false), gro);
        }
        finally
        {
            engine.close();
        }
    }

    @Test
    void shouldNameTheKeyOfABadValue()
    {
        final ConfigurationException e = org.junit.jupiter.api.Assertions.assertThrows(ConfigurationException.class,
            () -> load("interface.eth0.driver = afpacket", "interface.eth0.host-if = veth1",
                "interface.eth0.address = 198.18.0.2/24", "interface.eth0.gro = off"));
        assertTrue(e.getMessage().contains("interface.eth0.gro"), e.getMessage());
        assertTrue(e.getMessage().contains("'off' is neither true nor false"), e.getMessage());
    }
}
