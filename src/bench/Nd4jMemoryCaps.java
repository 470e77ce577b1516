import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which of JavaCPP's caps bound ND4J's arrays: allocates MB megabytes of 32 MB float arrays, holding
 * them ({@code hold}) or dropping each at once ({@code drop}), and prints, every 160 MB, what
 * JavaCPP counts (totalBytes, which maxbytes caps) and the process size (physicalBytes, which
 * maxphysicalbytes caps), or the error that stopped the allocations.
 * Run by src/bench/nd4j-memory-caps.sh; docs/benchmarks.md records what it showed.
 */
public class Nd4jMemoryCaps {
    public static void main(String[] args) {
        int mb = Integer.parseInt(args[0]);
        boolean hold = args[1].equals("hold");
        System.out.printf("maxbytes %d MB, maxphysicalbytes %d MB, heap %d MB%n", Pointer.maxBytes() >> 20,
                Pointer.maxPhysicalBytes() >> 20, Runtime.getRuntime().maxMemory() >> 20);
        List<INDArray> held = new ArrayList<>();
        for (int i = 1; i * 32 <= mb; i++) {
            try {
                INDArray a = Nd4j.create(DataType.FLOAT, 1 << 23).addi(1); // touched, so resident
                if (hold) {
                    held.add(a);
                }
            } catch (Throwable t) {
                System.out.printf("refused after %d MB allocated: %s%n", (i - 1) * 32, t);
                return;
            }
            if (i % 5 == 0) {
                System.out.printf("%5d MB allocated: JavaCPP counts %d MB (totalBytes), process %d MB (physicalBytes)%n", i * 32,
                        Pointer.totalBytes() >> 20, Pointer.physicalBytes() >> 20);
            }
        }
    }
}
