package taskql;

import java.util.List;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * Starts mongo-java-server on 127.0.0.1 for taskql's tests and benchmark (scripts/local-servers.ts
 * runs it): {@code <port>} alone keeps the data in memory; {@code <port> <file>} keeps it in an H2
 * data file, so a server stopped with SIGTERM and started again on the same file has it back.
 * Prints one line on stdout once it listens; stops on SIGTERM.
 */
public final class MongoJavaServerLauncher {

    /**
     * The version the server reports. mongo-java-server's own ServerVersion values report wire
     * versions up to 8, which the Node.js driver 7 refuses as too old; the server answers the
     * commands taskql sends either way, so it declares MongoDB 7.0 (wire version 21).
     */
    private enum DeclaredVersion implements MongoVersion {
        MONGO_7_0;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(7, 0, 0);
        }

        @Override
        public int getWireVersion() {
            return 21;
        }
    }

    private MongoJavaServerLauncher() {}

    /**
     * Binds the server and returns; its network threads keep the JVM running until SIGTERM.
     *
     * @param args {@code <port> [<H2 data file>]}
     */
    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2 || !args[0].matches("\\d{1,5}")) {
            System.err.println("usage: java -jar taskql-mongo-java-server.jar <port> [<H2 data file>]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        // Its info lines (one per connection and database) would drown the warnings; -D overrides.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }

        String dataFile = args.length == 2 ? args[1] : null;
        MongoBackend backend = dataFile != null ? new H2Backend(dataFile) : new MemoryBackend();
        backend.version(DeclaredVersion.MONGO_7_0);
        MongoServer server = new MongoServer(backend);
        server.bind("127.0.0.1", port);
        // Closing the backend is what writes H2's last changes to its file.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "shutdown"));
        String keeps = dataFile != null ? "data in " + dataFile : "data in memory";
        System.out.println("mongo-java-server (" + keeps + ") listening on 127.0.0.1:" + port);
    }
}
