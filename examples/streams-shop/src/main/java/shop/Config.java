package shop;

import java.io.FileInputStream;
import java.io.IOException;
import java.util.Properties;

/** Reads the app's streams.properties, as our deployments do. */
final class Config {
    static Properties load(String path) throws IOException {
        Properties p = new Properties();
        try (FileInputStream in = new FileInputStream(path)) {
            p.load(in);
        }
        return p;
    }
}
